"""The actor as an FPGA core: fixed-point contract, quantized per-step cell, hls4ml and da4ml flows, bitstream flow."""
