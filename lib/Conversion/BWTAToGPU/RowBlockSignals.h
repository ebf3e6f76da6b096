//===- RowBlockSignals.h - a GEMM overlapped with its quantizer -*- C++ -*-===//
//
// The activation quantizer and the wgmma GEMM that reads its planes can run
// at the same time (QuantizePackSpec::signalRows, WgmmaGemmOptions::
// rowSignals): reading the activations from DRAM is a ramp of several
// microseconds that the GEMM's tensor work can hide. The quantizer adds 1
// to ready[b] (release, GPU scope) for every row of row block b it has
// written, padding rows included; the GEMM copies a row block's planes and
// reads its row parameters only once ready[b] counts all its rows
// (acquire), and its last block to finish sets ready[] and the finish
// counter ready[blocks] back to zero for the next run (buffers start
// zeroed). Launch order keeps this safe: the quantizer waits for its own
// predecessor before it lets the GEMM launch, so the GEMM never sees the
// signals of an earlier run, and the GEMM waits for its predecessor at its
// end, so kernels after it still find everything before it complete.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_CONVERSION_BWTATOGPU_ROWBLOCKSIGNALS_H
#define BWTA_CONVERSION_BWTATOGPU_ROWBLOCKSIGNALS_H

#include "KernelBuilder.h"

namespace bwta::gpu_kernels {

/// Adds 1 to the i32 at global pointer `counter` with release semantics at
/// GPU scope: what the thread (and the threads synchronized with it) wrote
/// before is visible to a thread that acquires the new value, also to its
/// async-proxy (bulk copy) reads: the proxy fence is here, on the writer's
/// side, since on the reader's it would wait for the reader's own bulk
/// copies in flight.
inline void releaseAdd(KernelBuilder &kb, mlir::Value counter) {
  ptxStatement(kb, "fence.proxy.async.global;\nred.release.gpu.global.add.u32 [$0], 1;",
               {counter}, "l,~{memory}");
}

/// Spins until the u32 at global pointer `counter` is at least `target`
/// (acquire, GPU scope). A counter that never gets there
/// (a broken schedule) traps after seconds rather than hanging.
inline void acquireAtLeast(KernelBuilder &kb, mlir::Value counter, mlir::Value target) {
  ptxStatement(kb,
               "{\n.reg .pred p;\n.reg .u32 v, n;\nmov.u32 n, 0;\nLAB_WAIT:\n"
               "ld.acquire.gpu.global.u32 v, [$0];\nsetp.ge.u32 p, v, $1;\n@p bra LAB_DONE;\n"
               "nanosleep.u32 64;\nadd.u32 n, n, 1;\nsetp.lt.u32 p, n, 100000000;\n"
               "@p bra LAB_WAIT;\ntrap;\nLAB_DONE:\n}",
               {counter, target}, "l,r,~{memory}");
}

/// The row blocks' counters, then the finish counter, of `blocks` row blocks
/// at global pointer `ready`: called by one thread of every block of a grid
/// of `grid` blocks once the whole block is done with them; the last one
/// zeroes them all.
inline void finishRowSignals(KernelBuilder &kb, mlir::Value ready, int64_t blocks, int64_t grid) {
  ptxStatement(kb,
               "{\n.reg .pred p;\n.reg .u32 old, i;\n.reg .u64 a;\n"
               "atom.acq_rel.gpu.global.add.u32 old, [$0], 1;\n"
               "setp.ne.u32 p, old, $2;\n@p bra LAB_END;\n"
               "mov.u64 a, $1;\nmov.u32 i, 0;\nLAB_ZERO:\n"
               "st.relaxed.gpu.global.u32 [a], 0;\nadd.u64 a, a, 4;\nadd.u32 i, i, 1;\n"
               "setp.le.u32 p, i, $3;\n@p bra LAB_ZERO;\nLAB_END:\n}",
               {kb.byteOffset(ready, mlir::arith::ConstantIntOp::create(kb.b, kb.loc, kb.b.getI64Type(),
                                                                 4 * blocks)),
                ready, kb.i32(grid - 1),
                kb.i32(blocks)},
               "l,l,r,r,~{memory}");
}

} // namespace bwta::gpu_kernels

#endif // BWTA_CONVERSION_BWTATOGPU_ROWBLOCKSIGNALS_H
