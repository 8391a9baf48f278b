"""Supply-chain tooling: what each image installs from the lock, its CycloneDX SBOM, the vulnerability audit."""
