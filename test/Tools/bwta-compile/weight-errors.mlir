// Every way a weight global can fail to be filled is an error on the
// global naming the weight and what is wrong. The weights are those of
// Inputs/make_weights.py: w (binary 5x40, I8), s (F32 [5]), q, t, u8, h.
// RUN: %python %S/Inputs/make_weights.py good %t.safetensors
// RUN: bwta-compile %s -split-input-file -verify-diagnostics --weights=%t.safetensors -o %t.bwtab --format=isa
// RUN: not bwta-compile %S/host-form.mlir -o %t.nofile.bwtab --format=isa 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not ls %t.nofile.bwtab

// NOFILE: host-form.mlir:{{[0-9]+}}:3: error: 'memref.global' op weight 'w' cannot be resolved: no weight file given (use the 'weights' option)

module attributes {gpu.container_module} {
  // expected-error@+1 {{weight 'missing' not found in}}
  memref.global "private" constant @w : memref<4xf32> {bwta.weight = "missing", bwta.weight_type = tensor<4xf32>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %w = memref.get_global @w : memref<4xf32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%w : memref<4xf32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error-re@+1 {{weight 's' in '{{.*}}' has dtype F32 but 'f16' needs F16}}
  memref.global "private" constant @s : memref<5xf16> {bwta.weight = "s", bwta.weight_type = tensor<5xf16>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<5xf16>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %s = memref.get_global @s : memref<5xf16>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%s : memref<5xf16>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error-re@+1 {{weight 's' in '{{.*}}' has shape [5] but the op expects 'tensor<6xf32>'}}
  memref.global "private" constant @s : memref<6xf32> {bwta.weight = "s", bwta.weight_type = tensor<6xf32>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<6xf32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %s = memref.get_global @s : memref<6xf32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%s : memref<6xf32>, %y : memref<4xf32>)
    return
  }
}

// -----

// Element 1 of w is -1: no level of an unsigned type.
module attributes {gpu.container_module} {
  // expected-error-re@+1 {{weight 'w' in '{{.*}}': element 1 has level -1, not a level of '!bwta.int<2, unsigned>'}}
  memref.global "private" constant @w : memref<200xi8> {bwta.weight = "w", bwta.weight_type = tensor<5x40x!bwta.int<2, unsigned>>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<200xi8>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %w = memref.get_global @w : memref<200xi8>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%w : memref<200xi8>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{has bwta.derive = 'plane_sum', which bwta-compile does not know (it knows 'plane_popcount', 'int8_tiles', 'int8_wgmma_tiles', 'b1_wgmma_tiles', 'level_sum')}}
  memref.global "private" constant @c : memref<5xi32> {bwta.weight = "w", bwta.derive = "plane_sum", bwta.weight_type = tensor<5x40x!bwta.binary>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<5xi32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %c = memref.get_global @c : memref<5xi32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%c : memref<5xi32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{derives plane popcounts from 'tensor<5xf32>', which has no rows of bit planes}}
  memref.global "private" constant @c : memref<5xi32> {bwta.weight = "s", bwta.derive = "plane_popcount", bwta.weight_type = tensor<5xf32>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<5xi32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %c = memref.get_global @c : memref<5xi32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%c : memref<5xi32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{bwta.group_size 16 is not a multiple of the 32-bit words of the packed weight}}
  memref.global "private" constant @c : memref<15xi32> {bwta.weight = "w", bwta.derive = "plane_popcount", bwta.group_size = 16 : i64,
      bwta.weight_type = tensor<5x40x!bwta.binary, #bwta.packed<planes = 1>>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<15xi32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %c = memref.get_global @c : memref<15xi32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%c : memref<15xi32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{bwta.group_size must be a positive integer, got 0 : i64}}
  memref.global "private" constant @c : memref<5xi32> {bwta.weight = "w", bwta.derive = "plane_popcount", bwta.group_size = 0 : i64,
      bwta.weight_type = tensor<5x40x!bwta.binary>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<5xi32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %c = memref.get_global @c : memref<5xi32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%c : memref<5xi32>, %y : memref<4xf32>)
    return
  }
}

// -----

// 5 rows in tiles of 8, 2 words in a tile of 8: 64 words, not 40.
module attributes {gpu.container_module} {
  // expected-error@+1 {{is 'memref<40xi32>' but holds 'tensor<1x1x1x8x8xi32>' (tensor<5x40x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>): it needs a static memref of 64 'i32'}}
  memref.global "private" constant @w : memref<40xi32> {bwta.weight = "w",
      bwta.weight_type = tensor<5x40x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<40xi32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %w = memref.get_global @w : memref<40xi32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%w : memref<40xi32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{is 'memref<5xf32>' but holds 'tensor<1x5xi32>' (tensor<5x40x!bwta.binary>, derived): it needs a static memref of 5 'i32'}}
  memref.global "private" constant @c : memref<5xf32> {bwta.weight = "w", bwta.derive = "plane_popcount", bwta.weight_type = tensor<5x40x!bwta.binary>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<5xf32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %c = memref.get_global @c : memref<5xf32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%c : memref<5xf32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{has an initial value: weight globals are declarations that bwta-compile fills from the weights}}
  memref.global "private" constant @s : memref<5xf32> = dense<1.0> {bwta.weight = "s", bwta.weight_type = tensor<5xf32>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<5xf32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %s = memref.get_global @s : memref<5xf32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%s : memref<5xf32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{is not constant: weights are read-only}}
  memref.global "private" @s : memref<5xf32> {bwta.weight = "s", bwta.weight_type = tensor<5xf32>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<5xf32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %s = memref.get_global @s : memref<5xf32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%s : memref<5xf32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{has no bwta.weight attribute (the safetensors name of the weight it holds)}}
  memref.global "private" constant @s : memref<5xf32>
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<5xf32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %s = memref.get_global @s : memref<5xf32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%s : memref<5xf32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{needs bwta.weight_type, the static tensor type of the bwta.weight op the global comes from}}
  memref.global "private" constant @s : memref<5xf32> {bwta.weight = "s", bwta.weight_type = memref<5xf32>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<5xf32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %s = memref.get_global @s : memref<5xf32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%s : memref<5xf32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  memref.global "private" constant @y : memref<4xf32> {bwta.weight = "s", bwta.weight_type = tensor<4xf32>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32> {bwta.name = "y"}) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    // expected-error@+1 {{weight global @y is named 'y' like argument 0}}
    %w = memref.get_global @y : memref<4xf32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%w : memref<4xf32>, %y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{derives b1 wgmma tiles from 'tensor<5x40x!bwta.binary>', which is not packed in K tiles of 8 lsb_first 32-bit words}}
  memref.global "private" constant @c : memref<2048xi32> {bwta.weight = "w", bwta.derive = "b1_wgmma_tiles", bwta.weight_type = tensor<5x40x!bwta.binary>}
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<2048xi32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %c = memref.get_global @c : memref<2048xi32>
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%c : memref<2048xi32>, %y : memref<4xf32>)
    return
  }
}
