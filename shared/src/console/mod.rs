//! The deployment team's web console, served at `/console/`.
