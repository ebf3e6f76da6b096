// RUN: bwta-opt %s -split-input-file -verify-diagnostics

// WeightOp::verify.

func.func @empty_name() {
  // expected-error @below {{'bwta.weight' op weight name must not be empty}}
  %w = bwta.weight "" : tensor<5x77xf32>
  return
}

// -----

func.func @dynamic_shape() {
  // expected-error @below {{'bwta.weight' op weight must have a static shape, got 'tensor<?x77x!bwta.binary>'}}
  %w = bwta.weight "fc.weight" : tensor<?x77x!bwta.binary>
  return
}

// -----

func.func @packed_float() {
  // expected-error @below {{packed layout needs a bwta quantized or i1 element type, got 'f32'}}
  %w = bwta.weight "fc.weight" : tensor<5x77xf32, #bwta.packed<planes = 1>>
  return
}

// -----

func.func @other_encoding() {
  // expected-error @below {{'bwta.weight' op weight must have no encoding other than #bwta.packed, got 'tensor<5x77xf32, "rowmajor">'}}
  %w = bwta.weight "fc.weight" : tensor<5x77xf32, "rowmajor">
  return
}

// -----

func.func @integer_element() {
  // expected-error @below {{'bwta.weight' op weight element type must be a float or bwta quantized type, got 'i8'}}
  %w = bwta.weight "fc.weight" : tensor<5x77xi8>
  return
}

// -----

func.func @missing_name() {
  // expected-error @below {{expected attribute value}}
  %w = bwta.weight : tensor<5x77xf32>
  return
}
