`timescale 1 ns / 1 ps
// A small synchronous first-word-fall-through FIFO (distributed RAM): dout is the oldest word while !empty.
module word_fifo #(
    parameter WIDTH = 16,
    parameter DEPTH_LOG2 = 5
) (
    input clk,
    input rstn,
    input push,
    input [WIDTH-1:0] din,
    input pop,
    output [WIDTH-1:0] dout,
    output empty,
    output full
);
    reg [WIDTH-1:0] mem [0:(1 << DEPTH_LOG2) - 1];
    reg [DEPTH_LOG2:0] wr, rd;
    assign empty = wr == rd;
    assign full = (wr[DEPTH_LOG2] != rd[DEPTH_LOG2]) && (wr[DEPTH_LOG2-1:0] == rd[DEPTH_LOG2-1:0]);
    assign dout = mem[rd[DEPTH_LOG2-1:0]];
    always @(posedge clk) begin
        if (!rstn) begin
            wr <= 0;
            rd <= 0;
        end else begin
            if (push && !full) begin
                mem[wr[DEPTH_LOG2-1:0]] <= din;
                wr <= wr + 1;
            end
            if (pop && !empty) rd <= rd + 1;
        end
    end
endmodule
