// Every way a weight can fail to resolve gets a message naming the weight,
// the file and what is wrong.
// RUN: %python %S/Inputs/make_safetensors.py good %t.good
// RUN: %python %S/Inputs/make_safetensors.py bad-level %t.bad-level
// RUN: not bwta-opt %s -convert-bwta-to-linalg 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not bwta-opt %s -convert-bwta-to-linalg="weights=%t.good" 2>&1 | FileCheck %s --check-prefix=GOOD
// RUN: not bwta-opt %s -convert-bwta-to-linalg="weights=%t.bad-level" 2>&1 | FileCheck %s --check-prefix=LEVEL

// NOFILE: error: 'bwta.weight' op weight 'w.f32' cannot be resolved: no weight file given (use the 'weights' option)

// GOOD-DAG: error: 'bwta.weight' op weight 'missing' not found in '{{.*}}.good'
// GOOD-DAG: error: 'bwta.weight' op weight 'w.f32' in '{{.*}}.good' has dtype F32 but 'f16' needs F16
// GOOD-DAG: error: 'bwta.weight' op weight 'w.int2' in '{{.*}}.good' has shape [2, 3] but the op expects 'tensor<3x2x!bwta.int<2, balanced>>'

// LEVEL-DAG: error: 'bwta.weight' op weight 'w.binary' in '{{.*}}.bad-level': element 2 has level 0, not a level of '!bwta.binary'
// LEVEL-DAG: error: 'bwta.weight' op weight 'w.int2' in '{{.*}}.bad-level': element 4 has level 3, not a level of '!bwta.int<2, balanced>'

func.func @errors() {
  %a = bwta.weight "w.f32" : tensor<2x3xf16>
  %b = bwta.weight "missing" : tensor<2x3xf32>
  %c = bwta.weight "w.int2" : tensor<3x2x!bwta.int<2, balanced>>
  %d = bwta.weight "w.binary" : tensor<2x3x!bwta.binary>
  %e = bwta.weight "w.int2" : tensor<2x3x!bwta.int<2, balanced>>
  return
}
