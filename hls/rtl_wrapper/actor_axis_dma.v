`timescale 1 ns / 1 ps
// actor_axis for the AXI DMA of the PYNQ-Z2 block design: the DMA's MM2S stream carries no TUSER, so the first-of-scan
// flag travels in the top TDATA bit (bit TDATA_IN_BITS-1, unused by the contract's feature words) and is moved to TUSER.
module actor_axis_dma #(
    parameter OBS_BITS = 220,
    parameter H_BITS = 64,
    parameter C_BITS = 96,
    parameter ACT_BITS = 20,
    parameter CORE_CYCLES = 12,
    parameter TDATA_IN_BITS = 256,
    parameter TDATA_OUT_BITS = 32
) (
    input aclk,
    input aresetn,
    input [TDATA_IN_BITS-1:0] s_axis_tdata,
    input [TDATA_IN_BITS/8-1:0] s_axis_tkeep,
    input s_axis_tvalid,
    output s_axis_tready,
    input s_axis_tlast,
    output [TDATA_OUT_BITS-1:0] m_axis_tdata,
    output [TDATA_OUT_BITS/8-1:0] m_axis_tkeep,
    output m_axis_tvalid,
    input m_axis_tready,
    output m_axis_tlast
);
    assign m_axis_tkeep = {(TDATA_OUT_BITS/8){1'b1}};

    actor_axis #(
        .OBS_BITS(OBS_BITS), .H_BITS(H_BITS), .C_BITS(C_BITS), .ACT_BITS(ACT_BITS), .CORE_CYCLES(CORE_CYCLES),
        .TDATA_IN_BITS(TDATA_IN_BITS), .TDATA_OUT_BITS(TDATA_OUT_BITS)
    ) actor (
        .aclk(aclk), .aresetn(aresetn),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .s_axis_tlast(s_axis_tlast), .s_axis_tuser(s_axis_tdata[TDATA_IN_BITS-1]),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .m_axis_tlast(m_axis_tlast)
    );
endmodule
