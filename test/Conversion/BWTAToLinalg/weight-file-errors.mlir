// Truncated or corrupt weight files are refused with a message that says
// what is wrong and where; nothing crashes.
// RUN: %python %S/Inputs/make_safetensors.py truncated %t.truncated
// RUN: %python %S/Inputs/make_safetensors.py short %t.short
// RUN: %python %S/Inputs/make_safetensors.py huge-header %t.huge
// RUN: %python %S/Inputs/make_safetensors.py not-json %t.notjson
// RUN: %python %S/Inputs/make_safetensors.py bad-offsets %t.offsets
// RUN: %python %S/Inputs/make_safetensors.py bad-dtype %t.dtype
// RUN: not bwta-opt %s -convert-bwta-to-linalg="weights=%t.truncated" 2>&1 | FileCheck %s --check-prefix=TRUNCATED
// RUN: not bwta-opt %s -convert-bwta-to-linalg="weights=%t.short" 2>&1 | FileCheck %s --check-prefix=SHORT
// RUN: not bwta-opt %s -convert-bwta-to-linalg="weights=%t.huge" 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not bwta-opt %s -convert-bwta-to-linalg="weights=%t.notjson" 2>&1 | FileCheck %s --check-prefix=NOTJSON
// RUN: not bwta-opt %s -convert-bwta-to-linalg="weights=%t.offsets" 2>&1 | FileCheck %s --check-prefix=OFFSETS
// RUN: not bwta-opt %s -convert-bwta-to-linalg="weights=%t.dtype" 2>&1 | FileCheck %s --check-prefix=DTYPE
// RUN: not bwta-opt %s -convert-bwta-to-linalg="weights=%t.does-not-exist" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not bwta-opt %s -convert-bwta-to-linalg="weights=%S" 2>&1 | FileCheck %s --check-prefix=DIRECTORY

// TRUNCATED: error: malformed safetensors file '{{.*}}.truncated': tensor 'w.int2': data_offsets [30, 36] outside the data section of 31 bytes (truncated file?)
// SHORT: error: malformed safetensors file '{{.*}}.short': shorter than its 8-byte header length
// HUGE: error: malformed safetensors file '{{.*}}.huge': header length 1099511627776 exceeds the file size
// NOTJSON: error: malformed safetensors file '{{.*}}.notjson': header is not a JSON object
// OFFSETS: error: malformed safetensors file '{{.*}}.offsets': tensor 'w.f32': holds 20 bytes but its dtype and shape need 24
// DTYPE: error: malformed safetensors file '{{.*}}.dtype': tensor 'w.f32': unsupported dtype 'Q7'
// MISSING: error: cannot open weight file '{{.*}}.does-not-exist'
// DIRECTORY: error: cannot open weight file '{{.*}}BWTAToLinalg'

func.func @uses_a_weight() -> tensor<2x3xf32> {
  %w = bwta.weight "w.f32" : tensor<2x3xf32>
  return %w : tensor<2x3xf32>
}
