"""Package data: the bridging lexicons and the script that builds them."""
