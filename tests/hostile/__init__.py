"""Hostile submissions: forged layouts and identities, file tricks, races and kill points."""
