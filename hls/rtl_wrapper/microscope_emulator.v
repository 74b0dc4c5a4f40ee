`timescale 1 ns / 1 ps
// A stand-in for the microscope on the board: answers each position word with the raw sample stored for that pixel.
//
//   s_axis_image  raw samples (signed 16 bits) of one IMAGE_SIZE x IMAGE_SIZE image, row by row (from the AXI DMA's
//                 MM2S channel); TLAST ends the image (the next image starts at pixel 0 again)
//   s_axis_pos    position words (hls/contract.py: row [7:0], col [15:8]); one beam: the next word is taken only after
//                 the sample of the previous one went out
//   m_axis_det    one raw sample per position word, DWELL_CYCLES + 2 clock edges after the word was taken (block RAM
//                 read, then the dwell)
// A real instrument replaces this module: the scan coil DAC takes m_axis_pos of the sequencer, the detector ADC drives
// its s_axis_det.
module microscope_emulator #(
    parameter IMAGE_SIZE = 96,
    parameter DWELL_CYCLES = 0
) (
    (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 aclk CLK" *)
    (* X_INTERFACE_PARAMETER = "ASSOCIATED_BUSIF s_axis_image:s_axis_pos:m_axis_det, ASSOCIATED_RESET aresetn" *)
    input aclk,
    (* X_INTERFACE_INFO = "xilinx.com:signal:reset:1.0 aresetn RST" *)
    (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)
    input aresetn,
    input [15:0] s_axis_image_tdata,
    input s_axis_image_tvalid,
    output s_axis_image_tready,
    input s_axis_image_tlast,
    input [15:0] s_axis_pos_tdata,
    input s_axis_pos_tvalid,
    output s_axis_pos_tready,
    input s_axis_pos_tlast,
    output [15:0] m_axis_det_tdata,
    output reg m_axis_det_tvalid,
    input m_axis_det_tready
);
    localparam PIXELS = IMAGE_SIZE * IMAGE_SIZE;
    localparam AB = $clog2(PIXELS);
    localparam IDLE = 2'd0, READ = 2'd1, DWELL = 2'd2, SEND = 2'd3;

    reg [15:0] image [0:PIXELS-1];
    reg [AB-1:0] write_addr, read_addr;
    reg [15:0] sample;
    reg [1:0] state;
    reg [15:0] dwell;

    assign s_axis_image_tready = 1'b1;
    always @(posedge aclk) begin
        if (!aresetn) write_addr <= 0;
        else if (s_axis_image_tvalid) begin
            image[write_addr] <= s_axis_image_tdata;
            write_addr <= s_axis_image_tlast ? 0 : write_addr + 1;
        end
    end

    assign s_axis_pos_tready = state == IDLE;
    assign m_axis_det_tdata = sample;
    always @(posedge aclk) begin
        if (!aresetn) begin
            state <= IDLE;
            m_axis_det_tvalid <= 1'b0;
        end else begin
            case (state)
                IDLE: if (s_axis_pos_tvalid) begin
                    read_addr <= s_axis_pos_tdata[7:0] * IMAGE_SIZE + s_axis_pos_tdata[15:8];
                    state <= READ;
                end
                READ: begin
                    sample <= image[read_addr];
                    dwell <= DWELL_CYCLES;
                    if (DWELL_CYCLES == 0) begin
                        m_axis_det_tvalid <= 1'b1;
                        state <= SEND;
                    end else begin
                        state <= DWELL;
                    end
                end
                DWELL: if (dwell == 1) begin
                    m_axis_det_tvalid <= 1'b1;
                    state <= SEND;
                end else begin
                    dwell <= dwell - 1;
                end
                default: if (m_axis_det_tready) begin
                    m_axis_det_tvalid <= 1'b0;
                    state <= IDLE;
                end
            endcase
        end
    end
endmodule
