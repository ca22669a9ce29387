"""The weapons-use policy timeline."""
