`timescale 1 ns / 1 ps
// AXI-Stream wrapper of the da4ml actor core: one decision = one beat in, one beat out (see hls/contract.py).
//
// s_axis: TDATA[OBS_BITS-1:0] = the 22 observation words, TUSER[0] = first decision of a scan (zero h and c first).
// m_axis: TDATA[ACT_BITS-1:0] = the two action words, TLAST = 1.
// The recurrent state (h, c) lives in registers here. The core (actor_core_io: da4ml pipeline + port glue) is fed
// {obs, h, c} held constant for CORE_CYCLES clock edges; then the result is latched, h and c are written back and the
// output beat is offered. A scan's decisions are sequential (decision t+1 needs h' of decision t), so the wrapper
// accepts the next beat only after the output beat was taken: initiation interval = CORE_CYCLES + 2 cycles with
// tready held high. Interleaving several scans would need one (h, c) register pair per scan; not done here.
// Reset: aresetn, synchronous, active low (Vivado / PYNQ convention).
module actor_axis #(
    parameter OBS_BITS = 220,
    parameter H_BITS = 64,
    parameter C_BITS = 96,
    parameter ACT_BITS = 20,
    parameter CORE_CYCLES = 11,
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
    reg [OBS_BITS-1:0] obs;
    reg [H_BITS-1:0] h;
    reg [C_BITS-1:0] c;
    reg [ACT_BITS-1:0] act;
    wire [ACT_BITS-1:0] act_next;
    wire [H_BITS-1:0] h_next;
    wire [C_BITS-1:0] c_next;

    actor_core_io core (
        .clk(aclk), .obs(obs), .h(h), .c(c), .act(act_next), .h_next(h_next), .c_next(c_next)
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
            obs <= 0;
            act <= 0;
            m_axis_tvalid <= 1'b0;
        end else begin
            case (state)
                IDLE: if (s_axis_tvalid) begin
                    obs <= s_axis_tdata[OBS_BITS-1:0];
                    if (s_axis_tuser) begin
                        h <= 0;
                        c <= 0;
                    end
                    count <= 0;
                    state <= BUSY;
                end
                BUSY: if (count == CORE_CYCLES - 1) begin
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
