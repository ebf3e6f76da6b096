// Everything a host function may not do (docs/GPU.md, host form) is an
// error on the op, argument or kernel at fault, and no bundle is written.
// RUN: bwta-compile %s -split-input-file -verify-diagnostics -o %t.bwtab --format=isa

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>) kernel { gpu.return }
  }
  // expected-error@+1 {{bwta.num_outputs must be an integer in [1, 1] (the trailing arguments that are outputs)}}
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 0 : i64} {
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{returns values: a host function writes its outputs into its trailing arguments}}
  func.func @forward(%y: memref<4xf32>) -> i32 attributes {bwta.num_outputs = 1 : i64} {
    %c = arith.constant 0 : i32
    return %c : i32
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{argument 0 is 'tensor<4xf32>', not a memref: the function is not in host form}}
  func.func @forward(%x: tensor<4xf32>, %y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{argument 0 ('memref<?xf32>') has a dynamic shape}}
  func.func @forward(%x: memref<?xf32>, %y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{argument 1 ('memref<4xf32, strided<[2]>>') has a non-identity layout}}
  func.func @forward(%x: memref<4xf32>, %y: memref<4xf32, strided<[2]>>) attributes {bwta.num_outputs = 1 : i64} {
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{argument 0 ('memref<4xi4>') has an element type no bundle tensor can have}}
  func.func @forward(%x: memref<4xi4>, %y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{argument 1 is named 'x' like argument 0 (inputs, outputs, buffers and weights share one namespace)}}
  func.func @forward(%x: memref<4xf32> {bwta.name = "x"}, %y: memref<4xf32> {bwta.name = "x"}) attributes {bwta.num_outputs = 1 : i64} {
    return
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @forward(%x: memref<4xf32> {bwta.name = "x"}, %y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    // expected-error@+1 {{buffer 0 is named 'x' like argument 0}}
    %b = memref.alloc() {bwta.name = "x"} : memref<4xf32>
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{argument 0 has an empty name}}
  func.func @forward(%x: memref<4xf32> {bwta.name = ""}, %y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    return
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @forward(%x: memref<4xf32>, %y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    // expected-error@+1 {{'arith.addi' op is not allowed in a host function, which only allocates, takes views, gets weights and launches kernels (docs/GPU.md, host form)}}
    %c2 = arith.addi %c1, %c1 : index
    return
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @forward(%x: memref<4xf32>, %y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    // expected-error@+1 {{frees memory no memref.alloc of the host function allocated}}
    memref.dealloc %x : memref<4xf32>
    return
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @forward(%x: memref<4xf32>, %y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    // expected-error@+1 {{allocates 'memref<4xindex>', which has an element type no bundle tensor can have}}
    %b = memref.alloc() : memref<4xindex>
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    // expected-error@+1 {{is asynchronous: the runtime orders launches itself}}
    %t = gpu.launch_func async @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    // expected-error@+1 {{has a cluster size, which bundles do not support}}
    gpu.launch_func @bwta_kernels::@f clusters in (%c1, %c1, %c1) blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    // expected-error@+1 {{block size y is 0, not in [1, 2^32 - 1]}}
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c0, %c1) args(%y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %huge = arith.constant 4294967296 : index
    // expected-error@+1 {{grid size z is 4294967296, not in [1, 2^32 - 1]}}
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %huge) threads in (%c1, %c1, %c1) args(%y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %minus = arith.constant -1 : i32
    // expected-error@+1 {{dynamic_shared_memory_size is -1, not in [0, 2^32 - 1]}}
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) dynamic_shared_memory_size %minus args(%y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>) kernel { gpu.return }
  }
  gpu.module @more_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @g(%x: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%y : memref<4xf32>)
    // expected-error@+1 {{launches a kernel of gpu.module @more_kernels after kernels of @bwta_kernels: a bundle holds one kernel module}}
    gpu.launch_func @more_kernels::@g blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{needs exactly one #nvvm.target (the chip the bundle is for)}}
  gpu.module @bwta_kernels {
    gpu.func @f(%x: memref<4xf32>) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    // expected-error@+1 {{argument 1 has type 'i16': kernel arguments are static, identity-layout memrefs or i32, i64, index, f32, f64 scalars}}
    gpu.func @f(%x: memref<4xf32>, %n: i16) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %n = arith.constant 3 : i16
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%y : memref<4xf32>, %n : i16)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>, %a: f32) kernel { gpu.return }
  }
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %nan = arith.constant 0x7FC00000 : f32
    // expected-error@+1 {{argument 1 is nan, which a JSON manifest cannot carry}}
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%y : memref<4xf32>, %nan : f32)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @f(%x: memref<4xf32>) kernel { gpu.return }
  }
  // expected-error@+1 {{output 1 ('z') is passed to no launch: nothing would write it}}
  func.func @forward(%y: memref<4xf32>, %z: memref<4xf32> {bwta.name = "z"}) attributes {bwta.num_outputs = 2 : i64} {
    %c1 = arith.constant 1 : index
    gpu.launch_func @bwta_kernels::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%y : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error@+1 {{launches no kernel: nothing would compute its outputs}}
  func.func @forward(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    return
  }
}
