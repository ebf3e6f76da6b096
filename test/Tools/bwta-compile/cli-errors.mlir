// Errors outside the module: files, options, the toolkit. Each names what
// is wrong, exits 1 and writes no bundle.
// RUN: %python %S/Inputs/make_weights.py good %t.safetensors
// RUN: %python %S/Inputs/make_weights.py not-safetensors %t.bad
// RUN: rm -rf %t.out && mkdir %t.out
// RUN: not bwta-compile %t.missing.mlir -o %t.out/a.bwtab 2>&1 | FileCheck %s --check-prefix=INPUT
// RUN: not bwta-compile %S/host-form.mlir --weights=%t.bad -o %t.out/a.bwtab --format=isa 2>&1 | FileCheck %s --check-prefix=WEIGHTS
// RUN: not bwta-compile %S/host-form.mlir --weights=%t.safetensors -o %t.out/a.bwtab --format=isa --chip=sm_80 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not bwta-compile %S/host-form.mlir --weights=%t.safetensors -o %t.out/a.bwtab --format=bin --toolkit=%t.out/no-toolkit 2>&1 | FileCheck %s --check-prefix=TOOLKIT
// RUN: not bwta-compile %S/host-form.mlir --weights=%t.safetensors -o %t.out/no-dir/a.bwtab --format=isa 2>&1 | FileCheck %s --check-prefix=OUTPUT
// RUN: not bwta-compile %S/host-form.mlir --weights=%t.safetensors -o %t.out/a.bwtab --format=ptx 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not ls %t.out/a.bwtab

// INPUT: bwta-compile: error: cannot open input file '{{.*}}missing.mlir'
// WEIGHTS: error: malformed safetensors file '{{.*}}.bad': header is not a JSON object
// CHIP: host-form.mlir:{{[0-9]+}}:3: error: 'gpu.module' op targets sm_90a, but --chip=sm_80 was asked for
// TOOLKIT: error: CUDA path: {{.*}}no-toolkit does not exist or is not a directory
// OUTPUT: bwta-compile: error: cannot write bundle '{{.*}}no-dir{{/|\\}}a.bwtab'
// FORMAT: for the --format option: Cannot find option named 'ptx'!
