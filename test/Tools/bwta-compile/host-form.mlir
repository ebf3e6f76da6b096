// A hand-written host function (docs/GPU.md) becomes a bundle: inputs and
// outputs from the signature, buffers from allocs, weights from globals,
// kernels from the launched gpu.funcs, the schedule from the launches.
// RUN: %python %S/Inputs/make_weights.py good %t.safetensors
// RUN: bwta-compile %s --weights=%t.safetensors -o %t.bwtab --format=isa
// RUN: bwta-bundle-info %t.bwtab | FileCheck %s
// RUN: bwta-bundle-info --manifest %t.bwtab | FileCheck %s --check-prefix=MANIFEST
// RUN: %python %S/Inputs/dump_weights.py %t.bwtab | FileCheck %s --check-prefix=VALUES

// PTX only (the runtime JIT-compiles it); weights in order of first use,
// each 64-byte aligned.
// CHECK: producer: bwta-compile 0.1
// CHECK-NEXT: target: sm_90a
// CHECK-NEXT: sections (3):
// CHECK: MANIFEST
// CHECK-NEXT: PTX
// CHECK-NEXT: WEIGHTS {{ *}}{{[0-9]+}} {{ *}}404
// CHECK-NEXT: inputs (1):
// CHECK-NEXT: x {{ *}}f32 {{ *}}[2, 4] {{ *}}32 bytes
// CHECK-NEXT: outputs (2):
// CHECK-NEXT: y {{ *}}f32 {{ *}}[2, 4] {{ *}}32 bytes
// CHECK-NEXT: output1 {{ *}}i32 {{ *}}[5] {{ *}}20 bytes
// CHECK-NEXT: buffers (2):
// CHECK-NEXT: tmp {{ *}}32 bytes
// CHECK-NEXT: buffer1 {{ *}}40 bytes
// CHECK-NEXT: weights (4):
// CHECK-NEXT: w {{ *}}u32 {{ *}}[64] {{ *}}offset 0, 256 bytes, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>
// CHECK-NEXT: w.popcount32 {{ *}}i32 {{ *}}[1, 2, 5] {{ *}}offset 256, 40 bytes, plane_popcount group_size=32
// CHECK-NEXT: s {{ *}}f32 {{ *}}[5] {{ *}}offset 320, 20 bytes, row_major
// CHECK-NEXT: w.popcount {{ *}}i32 {{ *}}[5] {{ *}}offset 384, 20 bytes, plane_popcount
// CHECK-NEXT: kernels (3):
// CHECK-NEXT: scale(ptr arg0, ptr arg1, i32 arg2, f32 arg3) grid [1, 1, 1] block [8, 1, 1] shared 0
// CHECK-NEXT: gemv(ptr arg0, ptr arg1, ptr arg2, ptr arg3, ptr arg4, i64 arg5, i64 arg6, f64 arg7) grid [5, 1, 1] block [32, 2, 1] shared 1024
// CHECK-NEXT: count(ptr arg0, ptr arg1) grid [1, 1, 1] block [5, 1, 1] shared 0
// CHECK-NEXT: schedule (4 launches):
// CHECK-NEXT: 0: scale(x, tmp, -3, 0.5) grid [1, 1, 1] block [8, 1, 1] shared 0
// CHECK-NEXT: 1: gemv(w, w.popcount32, s, tmp, buffer1, 40, -1, 0.25) grid [5, 1, 1] block [32, 2, 1] shared 1024
// CHECK-NEXT: 2: scale(tmp, y, 7, -1.5) grid [2, 3, 4] block [8, 1, 1] shared 0
// CHECK-NEXT: 3: count(w.popcount, output1) grid [1, 1, 1] block [5, 1, 1] shared 0
// CHECK-NEXT: quantization: {"weights":{"s":"tensor<5xf32>","w":"tensor<5x40x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>"}}

// One entry per line; a launch repeats only what differs from its kernel's
// first launch.
// MANIFEST: "target": {"chip":"sm_90a"},
// MANIFEST: "kernels": [
// MANIFEST-NEXT: {"name":"scale","grid":[1,1,1],"block":[8,1,1],"shared_bytes":0,"args":[{"name":"arg0","type":"ptr"},{"name":"arg1","type":"ptr"},{"name":"arg2","type":"i32"},{"name":"arg3","type":"f32"}]},
// MANIFEST: "schedule": [
// MANIFEST-NEXT: {"kernel":"scale","args":["x","tmp",-3,0.5]},
// MANIFEST-NEXT: {"kernel":"gemv","args":["w","w.popcount32","s","tmp","buffer1",40,-1,0.25]},
// MANIFEST-NEXT: {"kernel":"scale","args":["tmp","y",7,-1.5],"grid":[2,3,4]},
// MANIFEST-NEXT: {"kernel":"count","args":["w.popcount","output1"]}
// MANIFEST: "metadata": {"entry":"forward","source":"host-form.mlir"}

// Row r of w has +1 at k = r and k = 33 + r (row 4 also at k = 5): word 0
// of row r is 1 << r, word 1 is 1 << (r + 1); rows 5..7 of the 8-row tile
// and words 2..7 of the 8-word K tile are padding.
// VALUES: w u32: 1 2 0 0 0 0 0 0 2 4 0 0 0 0 0 0 4 8 0 0 0 0 0 0 8 16 0 0 0 0 0 0 48 32 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0{{$}}
// Per group of 32 columns: row 4 has k = 4, 5 in group 0.
// VALUES: w.popcount32 i32: 1 1 1 1 2 1 1 1 1 1{{$}}
// VALUES: s f32: 0.5 1 1.5 2 2.5{{$}}
// VALUES: w.popcount i32: 2 2 2 2 3{{$}}

module attributes {gpu.container_module} {
  memref.global "private" constant @w : memref<64xi32>
      {alignment = 64 : i64, bwta.weight = "w",
       bwta.weight_type = tensor<5x40x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>}
  memref.global "private" constant @w.popcount : memref<5xi32>
      {bwta.weight = "w", bwta.derive = "plane_popcount",
       bwta.weight_type = tensor<5x40x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>}
  memref.global "private" constant @w.popcount32 : memref<1x2x5xi32>
      {bwta.weight = "w", bwta.derive = "plane_popcount", bwta.group_size = 32 : i64,
       bwta.weight_type = tensor<5x40x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>}
  memref.global "private" constant @s : memref<5xf32>
      {bwta.weight = "s", bwta.weight_type = tensor<5xf32>}
  // Not used by @forward: not in the bundle.
  memref.global "private" constant @unused : memref<5xf32>
      {bwta.weight = "nowhere", bwta.weight_type = tensor<5xf32>}

  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a", features = "+ptx80">] {
    gpu.func @scale(%in: memref<8xf32>, %out: memref<8xf32>, %n: i32, %a: f32) kernel {
      %t = gpu.thread_id x
      %v = memref.load %in[%t] : memref<8xf32>
      %w = arith.mulf %v, %a : f32
      memref.store %w, %out[%t] : memref<8xf32>
      gpu.return
    }
    gpu.func @gemv(%w: memref<64xi32>, %c: memref<1x2x5xi32>, %s: memref<5xf32>,
                   %x: memref<8xf32>, %y: memref<10xi32>, %k: index, %m: i64, %e: f64) kernel {
      %b = gpu.block_id x
      %v = memref.load %w[%b] : memref<64xi32>
      memref.store %v, %y[%b] : memref<10xi32>
      gpu.return
    }
    gpu.func @count(%in: memref<5xi32>, %out: memref<5xi32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %in[%t] : memref<5xi32>
      memref.store %v, %out[%t] : memref<5xi32>
      gpu.return
    }
    gpu.func @not_launched(%x: memref<8xf32>) kernel {
      gpu.return
    }
  }

  func.func @forward(%x: memref<2x4xf32> {bwta.name = "x"}, %y: memref<2x4xf32> {bwta.name = "y"},
                     %counts: memref<5xi32>) attributes {bwta.num_outputs = 2 : i64} {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %c5 = arith.constant 5 : index
    %c8 = arith.constant 8 : index
    %c32 = arith.constant 32 : index
    %c40 = arith.constant 40 : index
    %smem = arith.constant 1024 : i32
    %minus3 = arith.constant -3 : i32
    %seven = arith.constant 7 : i32
    %half = arith.constant 0.5 : f32
    %neg = arith.constant -1.5 : f32
    %m = arith.constant -1 : i64
    %e = arith.constant 0.25 : f64
    %xf = memref.collapse_shape %x [[0, 1]] : memref<2x4xf32> into memref<8xf32>
    %yf = memref.collapse_shape %y [[0, 1]] : memref<2x4xf32> into memref<8xf32>
    %tmp = memref.alloc() {bwta.name = "tmp"} : memref<8xf32>
    %acc = memref.alloc() : memref<2x5xi32>
    %accf = memref.collapse_shape %acc [[0, 1]] : memref<2x5xi32> into memref<10xi32>
    %w = memref.get_global @w : memref<64xi32>
    %w32 = memref.get_global @w.popcount32 : memref<1x2x5xi32>
    %s = memref.get_global @s : memref<5xf32>
    %pc = memref.get_global @w.popcount : memref<5xi32>
    gpu.launch_func @bwta_kernels::@scale blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1)
        args(%xf : memref<8xf32>, %tmp : memref<8xf32>, %minus3 : i32, %half : f32)
    gpu.launch_func @bwta_kernels::@gemv blocks in (%c5, %c1, %c1) threads in (%c32, %c2, %c1)
        dynamic_shared_memory_size %smem
        args(%w : memref<64xi32>, %w32 : memref<1x2x5xi32>, %s : memref<5xf32>, %tmp : memref<8xf32>,
             %accf : memref<10xi32>, %c40 : index, %m : i64, %e : f64)
    gpu.launch_func @bwta_kernels::@scale blocks in (%c2, %c3, %c4) threads in (%c8, %c1, %c1)
        args(%tmp : memref<8xf32>, %yf : memref<8xf32>, %seven : i32, %neg : f32)
    // The output is written through a view of a view of it.
    %countsv = memref.expand_shape %counts [[0, 1]] output_shape [5, 1] : memref<5xi32> into memref<5x1xi32>
    %countsf = memref.collapse_shape %countsv [[0, 1]] : memref<5x1xi32> into memref<5xi32>
    gpu.launch_func @bwta_kernels::@count blocks in (%c1, %c1, %c1) threads in (%c5, %c1, %c1)
        args(%pc : memref<5xi32>, %countsf : memref<5xi32>)
    memref.dealloc %tmp : memref<8xf32>
    memref.dealloc %acc : memref<2x5xi32>
    return
  }
}
