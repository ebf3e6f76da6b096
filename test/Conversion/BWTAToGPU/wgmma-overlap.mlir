// wgmma-overlap: the activation quantizer and the one wgmma GEMM that reads
// its planes run at the same time (RowBlockSignals.h). The quantizer (one
// block per SM) waits for its predecessor before it lets the GEMM launch,
// and signals each 128-row block through a zeroed i32 [row blocks + 1]
// buffer, the GEMM's last argument; the GEMM acquires a row block before
// it copies it, zeroes the signals at its end, and only then waits for its
// predecessor.
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=wgmma-overlap=1 | FileCheck %s
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=wgmma-overlap=1 -bwta-gpu-binary=format=isa | FileCheck %s --check-prefix=PTX
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefix=OFF

// M = 600 (5 row blocks), N = 3896, K = 4096: ping-pong; its slots shrink
// from 12 to 8 (174224 bytes) so that the quantizer's block (4 rows of 2
// warps, 11264 bytes each) fits beside it on an SM.
// CHECK-LABEL: func.func @one_reader(
// CHECK-DAG: %[[GEMM_SMEM:.*]] = arith.constant 174224 : i32
// CHECK-DAG: %[[READY:.*]] = memref.alloc() : memref<6xi32>
// CHECK: gpu.launch_func @bwta_kernels::@quantize_pack blocks in (%c132, %c1, %c1) threads in (%c256, %c1, %c1) dynamic_shared_memory_size %c45056_i32 args({{.*}}, %[[READY]] : memref<6xi32>)
// CHECK: gpu.launch_func @bwta_kernels::@linear blocks in (%c132, %c1, %c1) threads in (%c288, %c1, %c1) dynamic_shared_memory_size %[[GEMM_SMEM]] args({{.*}} : memref<2337600xf16>, %[[READY]] : memref<6xi32>)
// OFF-LABEL: func.func @one_reader(
// OFF-NOT: memref<6xi32>
// OFF: gpu.launch_func @bwta_kernels::@quantize_pack blocks in (%c160,
// OFF: dynamic_shared_memory_size %c223440_i32
func.func @one_reader(%x: tensor<600x4096xf16>) -> tensor<600x3896xf16> {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token,
                              threshold = #bwta.threshold<mean_abs, 0.7>>}
      : tensor<600x4096xf16> -> tensor<600x4096x!bwta.ternary>, tensor<600xf32>
  %w = bwta.weight "w" : tensor<3896x4096x!bwta.binary>
  %s = bwta.weight "s" : tensor<3896xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s)
      : (tensor<600x4096x!bwta.ternary>, tensor<3896x4096x!bwta.binary>,
         tensor<600xf32>, tensor<3896xf32>) -> tensor<600x3896xf16>
  return %y : tensor<600x3896xf16>
}

// The quantizer: the wait for its predecessor, then the launch of the GEMM;
// per row, after the row's barrier, one release add. The GEMM: launches its
// successor at once, acquires a row block (or traps) before the first
// activation copy, zeroes the signals at its end, then waits.
// PTX: gpu.binary @bwta_kernels
// PTX-SAME: .entry quantize_pack(
// PTX-SAME: griddepcontrol.wait;\0A\09griddepcontrol.launch_dependents;
// PTX-SAME: bar.sync
// PTX-SAME: fence.proxy.async.global;\0Ared.release.gpu.global.add.u32 [%rd{{[0-9]+}}], 1;
// PTX-SAME: .entry linear(
// PTX-SAME: griddepcontrol.launch_dependents;
// PTX-SAME: ld.acquire.gpu.global.u32
// PTX-SAME: trap;
// PTX-SAME: cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes
// PTX-SAME: atom.acq_rel.gpu.global.add.u32
// PTX-SAME: st.relaxed.gpu.global.u32
// PTX-SAME: griddepcontrol.wait;\0A\09ret;
