"""Calibration and validation against a municipality's published figures."""
