"""Model frontends in torch: BERT (encoders) and LLaMA (decoders)."""
