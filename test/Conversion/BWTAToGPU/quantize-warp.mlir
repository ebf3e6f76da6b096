// Activation quantizers of many rows take warps per row (the row staged
// in dynamic shared memory by cp.async): ternary rows of K a multiple of 8
// the lane walker (W = quantize-lane-warps warps per row, 8 / W
// consecutive lane-tree lanes per lane, plane bits built in registers),
// others — or any with quantize-warps-per-row=W — W
// warps per row with ballots; few rows, and quantize-warp-min-m=0, take a
// block of 256 threads per row.
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefix=LANE2
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu=quantize-lane-warps=1 | FileCheck %s --check-prefix=LANE
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu=quantize-warps-per-row=4 | FileCheck %s --check-prefix=WARP
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu=quantize-warp-min-m=0 | FileCheck %s --check-prefix=BLOCK
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu=quantize-warp-min-m=4096 | FileCheck %s --check-prefix=BLOCK
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu=quantize-warps-per-row=2 | FileCheck %s --check-prefix=TWO
// RUN: not bwta-opt %s -bwta-lower-to-gpu=quantize-warps-per-row=3 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu=quantize-lane-warps=4 | FileCheck %s --check-prefix=LANE4
// RUN: not bwta-opt %s -bwta-lower-to-gpu=quantize-lane-warps=8 2>&1 | FileCheck %s --check-prefix=BADLANE

// TWO: gpu.launch_func @bwta_kernels::@quantize_pack blocks in (%c2048{{.*}}) threads in (%c64{{.*}}) dynamic_shared_memory_size %c3024_i32
// BAD: bwta-lower-to-gpu: quantize-warps-per-row must be 0 (by M), 1, 2, 4 or 8, got 3
// BADLANE: bwta-lower-to-gpu: quantize-lane-warps must be 0 (by shape), 1, 2 or 4, got 8

// The lane walker with one warp per row: 8 rows (warps) per block, each row's 2000 bytes in a
// buffer of whole K tiles (2048: lanes read their piece of tile 3); lane t
// copies its 16 bytes of each K tile (4 tiles, 4 commit groups: the Σ|x|
// fold starts on a tile as soon as it has landed), and reads back only
// those. K = 1000 ends inside tile 3: one masked group of 4 tiles.
// LANE: gpu.launch_func @bwta_kernels::@quantize_pack blocks in (%c256{{.*}}) threads in (%c256{{.*}}) dynamic_shared_memory_size %c16384_i32
// LANE-LABEL: gpu.func @quantize_pack(
// LANE-NOT: gpu.barrier
// LANE: nvvm.cp.async.shared.global {{.*}}, 16, cache = {{ *}}cg
// LANE: nvvm.cp.async.commit.group
// LANE: nvvm.cp.async.commit.group
// LANE: nvvm.cp.async.commit.group
// LANE: nvvm.cp.async.shared.global {{.*}}, 16, cache = {{ *}}cg
// LANE: nvvm.cp.async.commit.group
// LANE: nvvm.cp.async.wait.group 3
// LANE: nvvm.cp.async.wait.group 2
// LANE: nvvm.cp.async.wait.group 1
// LANE: nvvm.cp.async.wait.group 0
// The lane-tree fold of the 8 lanes of each lane: 3 halving exchanges
// (4 + 2 + 1 shuffles), then 5 butterflies.
// LANE-COUNT-12: gpu.shuffle xor {{.*}} : f32
// The f16 threshold: Δ rounded toward zero, the next f16 above it.
// LANE: llvm.inline_asm "{ .reg .b16 h; cvt.rz.f16.f32 h, $1; cvt.u32.u16 $0, h; }"
// Each word (elements 2i and 2i + 1 of tile jj) compared as one f16x2, as
// loaded: its all-ones halves put on bits 8(jj % 2) + 2i and
// 16 + 8(jj % 2) + 2i + 1 (tile 0 word 0: 0x00020001, tiles 1 and 3 word 3:
// 0x80004000) of a register for tiles 0, 1 or one for tiles 2, 3; q = ¬n
// inside K (the masked group). Then per plane two prmt and an or put
// the bytes in tile order.
// LANE-NOT: llvm.inline_asm "prmt.b32
// LANE: llvm.inline_asm "set.ge.u32.f16x2 $0, $1, $2;"
// LANE-NEXT: llvm.inline_asm "set.le.u32.f16x2 $0, $1, $2;"
// LANE: llvm.inline_asm "lop3.b32 $0, $1, 0x00020001, $2, 0xea;"
// LANE-NEXT: llvm.inline_asm "lop3.b32 $0, $1, $2, $3, 0x0c;"
// LANE-NEXT: llvm.inline_asm "lop3.b32 $0, $1, 0x00020001, $2, 0xea;"
// LANE-NEXT: llvm.inline_asm "lop3.b32 $0, $1, $2, $3, 0xe0;"
// LANE-COUNT-4: llvm.inline_asm "lop3.b32 $0, $1, 0x80004000, $2, 0xea;"
// LANE-NOT: set.ge.u32.f16x2
// LANE: llvm.inline_asm "prmt.b32 $0, $1, $2, 0x7632;"
// LANE-NEXT: llvm.inline_asm "prmt.b32 $0, $1, $2, 0x5410;"
// LANE-NEXT: arith.ori
// Four lanes' bytes transposed into words (per plane): two shuffles and
// two byte permutes by lane-dependent selectors.
// LANE: gpu.shuffle xor {{.*}} : i32
// LANE: llvm.inline_asm "prmt.b32 $0, $1, $2, $3;"
// LANE: gpu.shuffle xor {{.*}} : i32
// LANE: llvm.inline_asm "prmt.b32 $0, $1, $2, $3;"
// LANE-NOT: nvvm.vote.sync

// The lane walker with two warps per row (the default): lane t of warp ω holds lane-tree
// lanes 128ω + 4t + e (8 bytes of each K tile); 4 rows per 256-thread
// block, each its 2048-byte buffer and [2][2][6][32] i32 of exchange
// space. The warps copy their halves in 16-byte units (two tiles a round:
// two commit groups for K = 1000) and read each other's copies after a
// __syncwarp. The tree's step 128 pairs the two warps: one exchange (a
// named barrier of 64 threads) before each fold's in-warp part (2 halving
// exchanges, then butterflies: 8 shuffles).
// LANE2: gpu.launch_func  @bwta_kernels::@quantize_pack blocks in (%c512{{.*}}) threads in (%c256{{.*}}) dynamic_shared_memory_size %c20480_i32
// LANE2-LABEL: gpu.func @quantize_pack(
// LANE2-NOT: gpu.barrier
// LANE2: nvvm.cp.async.shared.global {{.*}}, 16, cache = {{ *}}cg
// LANE2: nvvm.cp.async.commit.group
// LANE2: nvvm.cp.async.shared.global {{.*}}, 16, cache = {{ *}}cg
// LANE2: nvvm.cp.async.commit.group
// LANE2: nvvm.cp.async.wait.group 1
// LANE2: nvvm.bar.warp.sync
// LANE2: nvvm.cp.async.wait.group 0
// LANE2: nvvm.bar.warp.sync
// LANE2: llvm.inline_asm has_side_effects {{.*}}"bar.sync $0, $1;", "r,r,~{memory}" %{{.*}}, %c64_i32
// LANE2-COUNT-8: gpu.shuffle xor {{.*}} : f32
// LANE2: cvt.rz.f16.f32
// A lane's 4 bits of tile jj: 4(jj % 4) + 2i and 16 + 4(jj % 4) + 2i + 1
// (tile 0 word 1: 0x00080004); the 8 lanes' nibbles transposed into words
// in three stages: half-words and bytes by prmt, nibbles by a shift and a
// lop3 (x where the lane's mask keeps it, else the partner's).
// LANE2: llvm.inline_asm "lop3.b32 $0, $1, 0x00020001, $2, 0xea;"
// LANE2: llvm.inline_asm "lop3.b32 $0, $1, 0x00080004, $2, 0xea;"
// LANE2: gpu.shuffle xor {{.*}}, %c4_i32{{.*}} : i32
// LANE2-NEXT: llvm.inline_asm "prmt.b32 $0, $1, $2, $3;"
// LANE2: gpu.shuffle xor {{.*}}, %c2_i32{{.*}} : i32
// LANE2-NEXT: llvm.inline_asm "prmt.b32 $0, $1, $2, $3;"
// LANE2: gpu.shuffle xor {{.*}}, %c1_i32{{.*}} : i32
// LANE2-NEXT: llvm.inline_asm "lop3.b32 $0, $1, $2, $3, 0xe4;"
// The kept sum and the popcounts cross the warps in one exchange.
// LANE2: "bar.sync $0, $1;"
// LANE2-NOT: "bar.sync
// LANE2: nvvm.bar.warp.sync
// LANE2-NOT: nvvm.vote.sync

// Four warps per row: 2 elements (4 bytes) a lane and tile, the 4 tiles of
// K = 1000 one copy round; 2 rows per block; 16 lanes' 2-bit fields per
// word (tile 1: 0x00080004), four transpose stages.
// LANE4: gpu.launch_func  @bwta_kernels::@quantize_pack blocks in (%c1024{{.*}}) threads in (%c256{{.*}}) dynamic_shared_memory_size %c12288_i32
// LANE4-LABEL: gpu.func @quantize_pack(
// LANE4: nvvm.cp.async.commit.group
// LANE4-NOT: nvvm.cp.async.commit.group
// LANE4: nvvm.cp.async.wait.group 0
// LANE4: nvvm.bar.warp.sync
// LANE4: "bar.sync $0, $1;", "r,r,~{memory}" %{{.*}}, %c128_i32
// LANE4-COUNT-6: gpu.shuffle xor {{.*}} : f32
// LANE4: llvm.inline_asm "lop3.b32 $0, $1, 0x00080004, $2, 0xea;"
// LANE4: gpu.shuffle xor {{.*}}, %c8_i32{{.*}} : i32
// LANE4-NEXT: llvm.inline_asm "prmt.b32 $0, $1, $2, $3;"
// LANE4: gpu.shuffle xor {{.*}}, %c4_i32{{.*}} : i32
// LANE4-NEXT: llvm.inline_asm "prmt.b32 $0, $1, $2, $3;"
// LANE4: gpu.shuffle xor {{.*}}, %c2_i32{{.*}} : i32
// LANE4-NEXT: llvm.inline_asm "lop3.b32 $0, $1, $2, $3, 0xe4;"
// LANE4: gpu.shuffle xor {{.*}}, %c1_i32{{.*}} : i32
// LANE4-NEXT: llvm.inline_asm "lop3.b32 $0, $1, $2, $3, 0xe4;"

// 2048 rows with W = 4: one row (128 threads) per block: its K f16 elements
// (2000 bytes) and [2][4][32] f32 + i32 of exchange space.
// WARP: gpu.launch_func @bwta_kernels::@quantize_pack blocks in (%c2048{{.*}}) threads in (%c128{{.*}}) dynamic_shared_memory_size %c4048_i32
// 16-byte units: 2000 / 16 = 125.
// WARP-LABEL: gpu.func @quantize_pack(
// WARP: gpu.dynamic_shared_memory
// WARP: memref.view
// WARP: nvvm.cp.async.shared.global {{.*}}, 16, cache = {{ *}}cg
// WARP: nvvm.cp.async.commit.group
// WARP: nvvm.cp.async.wait.group 0
// WARP: gpu.barrier
// Then only the Σ|x| fold's exchange before the ballots: the ternary kept
// sum Σ_{|x|>Δ} |x| is folded in the ballot loop (one pass), and a lane picks
// its words with lop3 masks.
// WARP: gpu.barrier
// WARP-NOT: gpu.barrier
// WARP: nvvm.vote.sync ballot
// WARP-NEXT: llvm.inline_asm "lop3.b32 $0, $1, $2, $3, 0xEA;"
// WARP: gpu.shuffle xor

// BLOCK: gpu.launch_func @bwta_kernels::@quantize_pack blocks in (%c1056{{.*}}) threads in (%c256, %c1, %c1) {{ *}}args(
// BLOCK-LABEL: gpu.func @quantize_pack(
// BLOCK-NOT: nvvm.cp.async
// BLOCK: gpu.barrier
// BLOCK: nvvm.vote.sync ballot
func.func @layer(%x: tensor<2048x1000xf16>) -> tensor<2048x24xf32> {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token,
                              threshold = #bwta.threshold<mean_abs, 0.7>>}
      : tensor<2048x1000xf16> -> tensor<2048x1000x!bwta.ternary>, tensor<2048xf32>
  %w = bwta.weight "w" : tensor<24x1000x!bwta.binary>
  %s = bwta.weight "s" : tensor<24xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s)
      : (tensor<2048x1000x!bwta.ternary>, tensor<24x1000x!bwta.binary>,
         tensor<2048xf32>, tensor<24xf32>) -> tensor<2048x24xf32>
  return %y : tensor<2048x24xf32>
}
