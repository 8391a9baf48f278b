"""Response shapes of the contract, one function per shape, built from ORM rows."""
