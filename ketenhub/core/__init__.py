"""The pure core: validation, authorization, sealing, proofs and projections."""
