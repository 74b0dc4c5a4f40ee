`timescale 1 ns / 1 ps
// The board's scan IP: the scan sequencer and the actor core behind an AXI4-Lite register file.
//
//   s_axi_control  registers (32 bits each; hls.contract.SEQUENCER_REGISTERS is the same map, host/pynq_overlay.py
//                  drives it):
//       0x00 CONTROL          write: bit 0 START a scan (ignored while busy), bit 1 ABORT (reset the sequencer, the
//                             core and the scan side for RESET_CYCLES cycles, drop the scan in flight); START written
//                             with ABORT, or during its reset, starts a scan as soon as the reset ends
//       0x04 STATUS           read: bit 0 BUSY, bit 1 DONE (the last scan finished; cleared by START)
//       0x08 OFFSET           calibration offset, signed 16 bits (hls.contract.DetectorCalibration)
//       0x0C GAIN             calibration gain, unsigned, GAIN_FRAC fractional bits
//       0x10 SCANS            scans finished since reset
//       0x14 SCAN_CYCLES      clock cycles of the last scan, START to its last report word
//       0x18 DEAD_CYCLES      the last scan's longest gap from a segment's last sample in to the next segment's first
//                             position word taken
//       0x1C DECISION_CYCLES  the last scan's longest gap from a segment's last sample in to the next segment's step
//       0x20 GEOMETRY         read-only: image size [15:0], probes per segment [23:16], segments [31:24]
//       0x24 PROBE_IDLE_CYCLES the last scan's longest wait of the beam on probe 0 (its sample in to probe 1 taken)
//       0x28 PROBE_IDLE_TOTAL  the last scan's sum of those waits
//       0x2C DISCARDED        detector samples discarded since reset (or ABORT): they answered no position word
//       0x30 WATCHDOG         read/write: report-stream stall cycles after which the beam is blanked (reset 256)
//       0x34 STALL_BLANK_CYCLES the last scan's cycles blanked by that watchdog
//   m_axis_pos, s_axis_det     to the scan coil and from the detector (or microscope_emulator.v)
//   m_axis_report              to the PS (AXI DMA S2MM): one 64-bit word per probe, TLAST on the scan's last probe
//   beam_blank                 high while the beam waits on probe 0 for the segment's decision, and while the report
//                              stream has stalled beyond WATCHDOG cycles (to a beam blanker: a pin of the board)
//   scan_aresetn               reset for the scan coil and detector side (low with aresetn, and for RESET_CYCLES
//                              cycles after an ABORT: Xilinx AXI IP wants 16), so that no sample of an aborted scan is
//                              taken for the next scan's
// Clocks: aclk (the core, the registers, the report stream) and scan_clk (the position and detector streams and
// scan_aresetn). SCAN_CLOCK = 0 (the default): one clock, scan_clk unused, the board feeds it aclk. SCAN_CLOCK = 1 (a
// build option, hls.board_design's scan_clock_mhz): the scan side runs on its own clock, of any ratio to aclk (a scan DAC
// and a detector ADC on theirs), through scan_clock_bridge.v (two asynchronous FIFOs, the reset synchronised). One
// synchronous active-low reset (aresetn) in the aclk domain; both are declared to Vivado's IP integrator by the interface
// attributes below.
module scan_sequencer_axi #(
    // the actor core (hls/rtl_wrapper/sources.py fills these in)
    parameter OBS_BITS = 220,
    parameter H_BITS = 128,
    parameter C_BITS = 192,
    parameter ACT_BITS = 20,
    parameter CORE_CYCLES = 10,
    // the sequencer (hls.sequencer_model.SequencerConfig.verilog_parameters)
    parameter IMAGE_SIZE = 96,
    parameter SEGMENTS = 20,
    parameter PROBES = 20,
    parameter FEATURE_BITS = 10,
    parameter FEATURE_FRAC = 8,
    parameter ACTION_BITS = 10,
    parameter POS_BITS = 31,
    parameter POS_FRAC = 20,
    parameter STEP_BITS = 27,
    parameter STEP_GUARD = 4,
    parameter CORDIC_ITERATIONS = 22,
    parameter CORDIC_GUARD = 14,
    parameter VECTOR_BITS = 26,
    parameter W0 = 0,
    parameter DIV_CLAMP = 49248,
    parameter DIV_OFFSET = 98304,
    parameter DIV_MULTIPLIER = 349526,
    parameter DIV_SHIFT = 25,
    parameter GAIN_FRAC = 24,
    // cycles the sequencer, the core and scan_aresetn are held in reset after an ABORT
    parameter RESET_CYCLES = 16,
    // 1: the scan side (m_axis_pos, s_axis_det, scan_aresetn) on scan_clk, through asynchronous FIFOs
    parameter SCAN_CLOCK = 0
) (
    (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 aclk CLK" *)
    (* X_INTERFACE_PARAMETER = "ASSOCIATED_BUSIF s_axi_control:m_axis_report, ASSOCIATED_RESET aresetn" *)
    input aclk,
    (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 scan_clk CLK" *)
    (* X_INTERFACE_PARAMETER = "ASSOCIATED_BUSIF m_axis_pos:s_axis_det, ASSOCIATED_RESET scan_aresetn" *)
    input scan_clk,
    (* X_INTERFACE_INFO = "xilinx.com:signal:reset:1.0 aresetn RST" *)
    (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)
    input aresetn,
    input [5:0] s_axi_control_awaddr,
    input s_axi_control_awvalid,
    output s_axi_control_awready,
    input [31:0] s_axi_control_wdata,
    input [3:0] s_axi_control_wstrb,
    input s_axi_control_wvalid,
    output s_axi_control_wready,
    output [1:0] s_axi_control_bresp,
    output reg s_axi_control_bvalid,
    input s_axi_control_bready,
    input [5:0] s_axi_control_araddr,
    input s_axi_control_arvalid,
    output s_axi_control_arready,
    output reg [31:0] s_axi_control_rdata,
    output [1:0] s_axi_control_rresp,
    output reg s_axi_control_rvalid,
    input s_axi_control_rready,
    output [15:0] m_axis_pos_tdata,
    output m_axis_pos_tvalid,
    input m_axis_pos_tready,
    output m_axis_pos_tlast,
    input [15:0] s_axis_det_tdata,
    input s_axis_det_tvalid,
    output s_axis_det_tready,
    output [63:0] m_axis_report_tdata,
    output m_axis_report_tvalid,
    input m_axis_report_tready,
    output m_axis_report_tlast,
    output beam_blank,
    (* X_INTERFACE_INFO = "xilinx.com:signal:reset:1.0 scan_aresetn RST" *)
    (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)
    output scan_aresetn
);
    localparam CONTROL = 6'h00, STATUS = 6'h04, OFFSET = 6'h08, GAIN = 6'h0C, SCANS = 6'h10, SCAN_CYCLES = 6'h14,
        DEAD_CYCLES = 6'h18, DECISION_CYCLES = 6'h1C, GEOMETRY = 6'h20, PROBE_IDLE_CYCLES = 6'h24, PROBE_IDLE_TOTAL = 6'h28,
        DISCARDED = 6'h2C, WATCHDOG = 6'h30, STALL_BLANK_CYCLES = 6'h34;
    localparam [31:0] GEOMETRY_WORD = (SEGMENTS << 24) | (PROBES << 16) | IMAGE_SIZE;

    reg start;
    reg [$clog2(RESET_CYCLES+1)-1:0] resetting;  // cycles of an ABORT's reset still to go
    reg start_after_reset;                       // a START that arrived with (or during) an ABORT's reset
    reg signed [15:0] offset;
    reg [GAIN_FRAC-1:0] gain;
    reg [31:0] watchdog_cycles;
    reg [31:0] scans;
    wire busy, done;
    wire [31:0] scan_cycles;
    wire [15:0] dead_max, decision_max, probe_idle_max;
    wire [31:0] probe_idle_total, discarded, stall_blank_cycles;
    wire rstn = aresetn && resetting == 0;

    // ---- AXI4-Lite: one write and one read at a time -------------------------------------------------------------------
    wire write = s_axi_control_awvalid && s_axi_control_wvalid && !s_axi_control_bvalid;
    assign s_axi_control_awready = write;
    assign s_axi_control_wready = write;
    assign s_axi_control_bresp = 2'b00;
    wire read = s_axi_control_arvalid && !s_axi_control_rvalid;
    assign s_axi_control_arready = read;
    assign s_axi_control_rresp = 2'b00;

    always @(posedge aclk) begin
        if (!aresetn) begin
            s_axi_control_bvalid <= 1'b0;
            s_axi_control_rvalid <= 1'b0;
            start <= 1'b0;
            resetting <= 0;
            start_after_reset <= 1'b0;
            offset <= 0;
            gain <= 1 << (GAIN_FRAC - 14);
            watchdog_cycles <= 256;
        end else begin
            start <= 1'b0;
            if (resetting != 0) begin
                resetting <= resetting - 1'b1;
            end else if (start_after_reset) begin
                start <= 1'b1;
                start_after_reset <= 1'b0;
            end
            if (write) begin
                s_axi_control_bvalid <= 1'b1;
                case (s_axi_control_awaddr & 6'h3C)
                    CONTROL: begin
                        if (s_axi_control_wdata[1]) begin
                            resetting <= RESET_CYCLES;
                            start_after_reset <= s_axi_control_wdata[0];
                        end else if (resetting != 0 || start_after_reset) begin
                            start_after_reset <= start_after_reset || s_axi_control_wdata[0];
                        end else begin
                            start <= s_axi_control_wdata[0] && !busy;
                        end
                    end
                    OFFSET: offset <= s_axi_control_wdata[15:0];
                    GAIN: gain <= s_axi_control_wdata[GAIN_FRAC-1:0];
                    WATCHDOG: watchdog_cycles <= s_axi_control_wdata;
                    default: ;
                endcase
            end else if (s_axi_control_bready) begin
                s_axi_control_bvalid <= 1'b0;
            end
            if (read) begin
                s_axi_control_rvalid <= 1'b1;
                case (s_axi_control_araddr & 6'h3C)
                    STATUS: s_axi_control_rdata <= {30'd0, done, busy};
                    OFFSET: s_axi_control_rdata <= {{16{offset[15]}}, offset};
                    GAIN: s_axi_control_rdata <= gain;
                    SCANS: s_axi_control_rdata <= scans;
                    SCAN_CYCLES: s_axi_control_rdata <= scan_cycles;
                    DEAD_CYCLES: s_axi_control_rdata <= dead_max;
                    DECISION_CYCLES: s_axi_control_rdata <= decision_max;
                    GEOMETRY: s_axi_control_rdata <= GEOMETRY_WORD;
                    PROBE_IDLE_CYCLES: s_axi_control_rdata <= probe_idle_max;
                    PROBE_IDLE_TOTAL: s_axi_control_rdata <= probe_idle_total;
                    DISCARDED: s_axi_control_rdata <= discarded;
                    WATCHDOG: s_axi_control_rdata <= watchdog_cycles;
                    STALL_BLANK_CYCLES: s_axi_control_rdata <= stall_blank_cycles;
                    default: s_axi_control_rdata <= 32'd0;
                endcase
            end else if (s_axi_control_rready) begin
                s_axi_control_rvalid <= 1'b0;
            end
        end
    end

    // scans finished since reset: count DONE's rising edges
    reg done_d;
    always @(posedge aclk) begin
        done_d <= done;
        if (!aresetn) scans <= 0;
        else if (done && !done_d) scans <= scans + 1;
    end

    // ---- the sequencer and the actor core ------------------------------------------------------------------------------
    wire [255:0] obs_tdata;
    wire obs_tuser, obs_tvalid, obs_tready;
    wire [31:0] act_tdata;
    wire act_tvalid, act_tready;
    wire [15:0] pos_tdata, det_tdata;  // the sequencer's scan-side streams, in the aclk domain
    wire pos_tvalid, pos_tready, pos_tlast, det_tvalid, det_tready;
    generate
        if (SCAN_CLOCK) begin : two_clocks
            scan_clock_bridge bridge (
                .aclk(aclk), .aresetn(rstn), .scan_clk(scan_clk), .scan_aresetn(scan_aresetn),
                .s_axis_pos_tdata(pos_tdata), .s_axis_pos_tvalid(pos_tvalid), .s_axis_pos_tready(pos_tready),
                .s_axis_pos_tlast(pos_tlast), .m_axis_pos_tdata(m_axis_pos_tdata), .m_axis_pos_tvalid(m_axis_pos_tvalid),
                .m_axis_pos_tready(m_axis_pos_tready), .m_axis_pos_tlast(m_axis_pos_tlast),
                .s_axis_det_tdata(s_axis_det_tdata), .s_axis_det_tvalid(s_axis_det_tvalid),
                .s_axis_det_tready(s_axis_det_tready), .m_axis_det_tdata(det_tdata), .m_axis_det_tvalid(det_tvalid),
                .m_axis_det_tready(det_tready)
            );
        end else begin : one_clock
            assign scan_aresetn = rstn;
            assign m_axis_pos_tdata = pos_tdata;
            assign m_axis_pos_tvalid = pos_tvalid;
            assign pos_tready = m_axis_pos_tready;
            assign m_axis_pos_tlast = pos_tlast;
            assign det_tdata = s_axis_det_tdata;
            assign det_tvalid = s_axis_det_tvalid;
            assign s_axis_det_tready = det_tready;
        end
    endgenerate

    scan_sequencer #(
        .IMAGE_SIZE(IMAGE_SIZE), .SEGMENTS(SEGMENTS), .PROBES(PROBES), .FEATURE_BITS(FEATURE_BITS),
        .FEATURE_FRAC(FEATURE_FRAC), .ACTION_BITS(ACTION_BITS), .POS_BITS(POS_BITS), .POS_FRAC(POS_FRAC),
        .STEP_BITS(STEP_BITS), .STEP_GUARD(STEP_GUARD), .CORDIC_ITERATIONS(CORDIC_ITERATIONS),
        .CORDIC_GUARD(CORDIC_GUARD), .VECTOR_BITS(VECTOR_BITS), .W0(W0), .DIV_CLAMP(DIV_CLAMP),
        .DIV_OFFSET(DIV_OFFSET), .DIV_MULTIPLIER(DIV_MULTIPLIER), .DIV_SHIFT(DIV_SHIFT), .GAIN_FRAC(GAIN_FRAC),
        .OBS_TDATA_BITS(256)
    ) sequencer (
        .clk(aclk), .rstn(rstn), .start(start), .busy(busy), .done(done), .offset(offset), .gain(gain),
        .watchdog_cycles(watchdog_cycles),
        .m_axis_obs_tdata(obs_tdata), .m_axis_obs_tuser(obs_tuser), .m_axis_obs_tvalid(obs_tvalid),
        .m_axis_obs_tready(obs_tready),
        .s_axis_act_tdata(act_tdata[ACT_BITS-1:0]), .s_axis_act_tvalid(act_tvalid), .s_axis_act_tready(act_tready),
        .m_axis_pos_tdata(pos_tdata), .m_axis_pos_tvalid(pos_tvalid), .m_axis_pos_tready(pos_tready),
        .m_axis_pos_tlast(pos_tlast),
        .s_axis_det_tdata(det_tdata), .s_axis_det_tvalid(det_tvalid), .s_axis_det_tready(det_tready),
        .m_axis_report_tdata(m_axis_report_tdata), .m_axis_report_tvalid(m_axis_report_tvalid),
        .m_axis_report_tready(m_axis_report_tready), .m_axis_report_tlast(m_axis_report_tlast),
        .scan_cycles(scan_cycles), .dead_max(dead_max), .decision_max(decision_max),
        .probe_idle_max(probe_idle_max), .probe_idle_total(probe_idle_total), .discarded(discarded),
        .stall_blank_cycles(stall_blank_cycles), .beam_blank(beam_blank)
    );

    actor_axis #(
        .OBS_BITS(OBS_BITS), .H_BITS(H_BITS), .C_BITS(C_BITS), .ACT_BITS(ACT_BITS), .CORE_CYCLES(CORE_CYCLES),
        .TDATA_IN_BITS(256), .TDATA_OUT_BITS(32)
    ) actor (
        .aclk(aclk), .aresetn(rstn),
        .s_axis_tdata(obs_tdata), .s_axis_tvalid(obs_tvalid), .s_axis_tready(obs_tready), .s_axis_tlast(1'b1),
        .s_axis_tuser(obs_tuser),
        .m_axis_tdata(act_tdata), .m_axis_tvalid(act_tvalid), .m_axis_tready(act_tready), .m_axis_tlast()
    );
endmodule
