"""Files people send: what kind a file is by its content, where sealed files are kept,
and the seam to the virus scanner. No domain words: journeys and cases own the rows."""
