"""The synthetic demo: a realistic, fully synthetic year of a municipality's trafficking approach."""
