"""Third-party dependencies of each function (E1, E2, C5): manifests and lock files,
advisories in the OSV format, version matching per ecosystem."""
