`timescale 1 ns / 1 ps
// AXI-Stream wrapper of the da4ml actor core: one decision = one beat in, one beat out (see hls/contract.py).
//
// s_axis: TDATA[OBS_BITS-1:0] = the 22 observation words, TUSER[0] = first decision of a scan (zero h and c first).
// m_axis: TDATA[ACT_BITS-1:0] = the two action words, TLAST = 1.
// The recurrent state (h, c) lives in registers here. The core (actor_core_io: da4ml pipeline + port glue) is a
// free-running pipeline of CORE_CYCLES registers whose first register samples {obs, h, c} on every clock: the beat is fed
// to it on the clock edge that accepts it (with h = c = 0 when TUSER[0] is set), and CORE_CYCLES edges later the result
// is latched, h and c are written back and the output beat is offered. Decision t+1 needs h' of decision t, so the next
// beat is accepted only after the output beat was taken: a beat accepted at edge n is offered after edge
// n + CORE_CYCLES and taken at edge n + CORE_CYCLES + 1 at the earliest.
// Reset: aresetn, synchronous, active low (Vivado / PYNQ convention).
module actor_axis #(
    parameter OBS_BITS = 220,
    parameter H_BITS = 64,
    parameter C_BITS = 96,
    parameter ACT_BITS = 20,
    parameter CORE_CYCLES = 10,
    parameter TDATA_IN_BITS = 256,
    parameter TDATA_OUT_BITS = 32
) (
    input aclk,
    input aresetn,
    input [TDATA_IN_BITS-1:0] s_axis_tdata,
    input s_axis_tvalid,
    output s_axis_tready,
    input s_axis_tlast,
    input s_axis_tuser,
    output [TDATA_OUT_BITS-1:0] m_axis_tdata,
    output reg m_axis_tvalid,
    input m_axis_tready,
    output m_axis_tlast
);
    localparam IDLE = 2'd0, BUSY = 2'd1, SEND = 2'd2;
    reg [1:0] state;
    reg [7:0] count;
    reg [H_BITS-1:0] h;
    reg [C_BITS-1:0] c;
    reg [ACT_BITS-1:0] act;
    wire [ACT_BITS-1:0] act_next;
    wire [H_BITS-1:0] h_next;
    wire [C_BITS-1:0] c_next;
    wire first = s_axis_tuser;

    actor_core_io core (
        .clk(aclk), .obs(s_axis_tdata[OBS_BITS-1:0]), .h(first ? {H_BITS{1'b0}} : h), .c(first ? {C_BITS{1'b0}} : c),
        .act(act_next), .h_next(h_next), .c_next(c_next)
    );

    assign s_axis_tready = (state == IDLE);
    assign m_axis_tdata = {{(TDATA_OUT_BITS - ACT_BITS){1'b0}}, act};
    assign m_axis_tlast = 1'b1;

    always @(posedge aclk) begin
        if (!aresetn) begin
            state <= IDLE;
            count <= 0;
            h <= 0;
            c <= 0;
            act <= 0;
            m_axis_tvalid <= 1'b0;
        end else begin
            case (state)
                IDLE: if (s_axis_tvalid) begin
                    count <= 1;
                    state <= BUSY;
                end
                BUSY: if (count == CORE_CYCLES) begin
                    act <= act_next;
                    h <= h_next;
                    c <= c_next;
                    m_axis_tvalid <= 1'b1;
                    state <= SEND;
                end else begin
                    count <= count + 1;
                end
                default: if (m_axis_tready) begin
                    m_axis_tvalid <= 1'b0;
                    state <= IDLE;
                end
            endcase
        end
    end
endmodule
