#include "bwta/Conversion/Passes.h"
#include "bwta/Dialect/BWTA/IR/BWTA.h"
namespace bwta {
#define GEN_PASS_DEF_CONVERTBWTATOLINALGPASS
#include "bwta/Conversion/Passes.h.inc"
}
using namespace mlir;
namespace {
struct ConvertBWTAToLinalgPass : bwta::impl::ConvertBWTAToLinalgPassBase<ConvertBWTAToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {}
};
}
