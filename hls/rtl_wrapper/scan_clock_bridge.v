`timescale 1 ns / 1 ps
// The scan side on its own clock: the position and detector streams cross between the core clock (aclk, the sequencer)
// and a scan/detector clock (scan_clk, the scan coil DAC and the detector ADC) through two asynchronous FIFOs
// (async_fifo.v: gray-coded pointers, two-flop synchronisers), with any ratio of the two clocks.
//   s_axis_pos (aclk)     -> m_axis_pos (scan_clk)   position words and TLAST
//   s_axis_det (scan_clk) -> m_axis_det (aclk)       raw detector samples
// aresetn (aclk domain, the sequencer's scan_aresetn) resets the aclk side; scan_aresetn is that reset synchronised into
// scan_clk by two flip-flops (it asserts two or three scan clocks later, and releases the same way), for the scan side
// and the FIFOs' scan_clk halves. A reset must last at least three scan_clk cycles (the sequencer's 16-cycle reset does
// for any scan clock above a fifth of aclk). DEPTH_LOG2 = 5 holds the at most PROBES + 1 words one side can be ahead.
module scan_clock_bridge #(
    parameter DEPTH_LOG2 = 5
) (
    input aclk,
    input aresetn,
    input scan_clk,
    output scan_aresetn,
    input [15:0] s_axis_pos_tdata,
    input s_axis_pos_tvalid,
    output s_axis_pos_tready,
    input s_axis_pos_tlast,
    output [15:0] m_axis_pos_tdata,
    output m_axis_pos_tvalid,
    input m_axis_pos_tready,
    output m_axis_pos_tlast,
    input [15:0] s_axis_det_tdata,
    input s_axis_det_tvalid,
    output s_axis_det_tready,
    output [15:0] m_axis_det_tdata,
    output m_axis_det_tvalid,
    input m_axis_det_tready
);
    (* ASYNC_REG = "TRUE" *) reg [1:0] scan_reset_sync;
    always @(posedge scan_clk) scan_reset_sync <= {scan_reset_sync[0], aresetn};
    assign scan_aresetn = scan_reset_sync[1];

    wire pos_full, pos_empty, det_full, det_empty;
    async_fifo #(.WIDTH(17), .DEPTH_LOG2(DEPTH_LOG2)) positions (
        .wclk(aclk), .wrstn(aresetn), .push(s_axis_pos_tvalid && aresetn), .din({s_axis_pos_tlast, s_axis_pos_tdata}),
        .full(pos_full), .rclk(scan_clk), .rrstn(scan_aresetn), .pop(m_axis_pos_tready && scan_aresetn),
        .dout({m_axis_pos_tlast, m_axis_pos_tdata}), .empty(pos_empty)
    );
    assign s_axis_pos_tready = aresetn && !pos_full;
    assign m_axis_pos_tvalid = scan_aresetn && !pos_empty;

    async_fifo #(.WIDTH(16), .DEPTH_LOG2(DEPTH_LOG2)) samples (
        .wclk(scan_clk), .wrstn(scan_aresetn), .push(s_axis_det_tvalid && scan_aresetn), .din(s_axis_det_tdata),
        .full(det_full), .rclk(aclk), .rrstn(aresetn), .pop(m_axis_det_tready && aresetn), .dout(m_axis_det_tdata),
        .empty(det_empty)
    );
    assign s_axis_det_tready = scan_aresetn && !det_full;
    assign m_axis_det_tvalid = aresetn && !det_empty;
endmodule
