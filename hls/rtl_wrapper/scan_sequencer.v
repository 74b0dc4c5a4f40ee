`timescale 1 ns / 1 ps
// The scan sequencer: runs a whole adaptive scan of SEGMENTS x PROBES probes on its own (hls/sequencer_model.py is its
// bit-exact model; read its docstring first).
//
//   start ──> decision 0 (zeros, centre, first flag) ──> actor ──> direction_step ──> probe positions ──> m_axis_pos
//                 ^                                                                                         |
//                 └── next observation <── probe_calibration <── s_axis_det (one raw sample per position) <──┘
//                                         position_feature (next segment start)        and, per probe, m_axis_report
//
// Streams (AXI-Stream, words defined in hls/contract.py):
//   m_axis_obs / s_axis_act   the actor core (actor_axis.v): one observation beat per decision, TUSER = first of scan
//   m_axis_pos                one position word per probe (nearest pixel: row [7:0], col [15:8]); TLAST = last probe of
//                             a segment. Offered as soon as it is known: probe 0 of a segment is its start, known before
//                             the segment's decision, so it goes out while the actor decides; probes 1 .. P-1 wait for it
//   s_axis_det                one raw detector sample per position word, in order
//   m_axis_report             one 64-bit report word per probe: lanes [raw, row | col << 8, v_row, v_col]; TLAST = last
//                             probe of the scan
// The detector is never held off, so a free-running ADC can be connected: s_axis_det_tready is high whenever the
// sequencer is out of reset. A sample answering a position word the scan coil has taken waits in a small FIFO (as deep as
// the position words that can be out) until its report word can go out and the decision of its segment is known (only
// probe 0's sample can be early); that also keeps the observation of the next decision intact until the actor has taken
// it. Any other sample (between scans, or more samples than positions handed out) is discarded and counted
// (`discarded`, since reset).
//
// Watchdog: when the PS stops taking report words (m_axis_report_tvalid high, tready low) for more than
// `watchdog_cycles` cycles, the scan stops at its next position with the beam parked; `beam_blank` then stays high until
// the report stream moves again, and `stall_blank_cycles` counts those cycles in the scan.
//
// Measured here, per scan (the PS reads them, hls/contract.py names the registers): scan_cycles (start to the last
// report word), dead_max (the longest gap from a segment's last sample in to the next segment's first position word
// taken by the scan coil), decision_max (the longest gap from a segment's last sample in to the next segment's step:
// a position after the segment's first can go out on the next cycle), probe_idle_max and probe_idle_total (the beam
// idle on probe 0 while the segment's decision is made: the cycles from probe 0's sample in to probe 1's position word
// taken beyond the one-cycle turnaround every probe has; the longest such wait and their sum). `beam_blank` is high
// during exactly those cycles: a beam blanker can cut the dose the waiting beam would put on probe 0.
module scan_sequencer #(
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
    parameter OBS_TDATA_BITS = 256
) (
    input clk,
    input rstn,
    input start,
    output busy,
    output reg done,
    input signed [15:0] offset,
    input [GAIN_FRAC-1:0] gain,
    input [31:0] watchdog_cycles,
    // the actor core
    output [OBS_TDATA_BITS-1:0] m_axis_obs_tdata,
    output m_axis_obs_tuser,
    output m_axis_obs_tvalid,
    input m_axis_obs_tready,
    input [2*ACTION_BITS-1:0] s_axis_act_tdata,
    input s_axis_act_tvalid,
    output s_axis_act_tready,
    // the scan coil and the detector
    output reg [15:0] m_axis_pos_tdata,
    output reg m_axis_pos_tvalid,
    input m_axis_pos_tready,
    output reg m_axis_pos_tlast,
    input [15:0] s_axis_det_tdata,
    input s_axis_det_tvalid,
    output s_axis_det_tready,
    // the PS
    output reg [63:0] m_axis_report_tdata,
    output reg m_axis_report_tvalid,
    input m_axis_report_tready,
    output reg m_axis_report_tlast,
    output reg [31:0] scan_cycles,
    output reg [15:0] dead_max,
    output reg [15:0] decision_max,
    output reg [15:0] probe_idle_max,
    output reg [31:0] probe_idle_total,
    output reg [31:0] discarded,
    output reg [31:0] stall_blank_cycles,
    output beam_blank
);
    localparam FB = FEATURE_BITS;
    localparam SLOTS = PROBES + 2;                   // observation: P probe features, then row and col of the next start
    localparam OBS_BITS = SLOTS * FB;
    localparam FIFO_LOG2 = $clog2(PROBES + 2);       // position words out but not answered: at most P + 1
    localparam IB = POS_BITS - POS_FRAC + 1;         // integer part of a position, plus one bit for the rounding carry
    localparam signed [POS_BITS-1:0] CENTRE = IMAGE_SIZE <<< (POS_FRAC - 1);

    reg active;
    assign busy = active;
    reg [31:0] cycle;

    // ---- decisions: observation -> actor -> action -> step --------------------------------------------------------------
    reg [OBS_BITS-1:0] obs;
    reg values_ready, starts_ready;                  // the observation's probe features / position features are in
    reg [7:0] decision;                              // index of the next decision to issue
    assign m_axis_obs_tvalid = active && values_ready && starts_ready && decision < SEGMENTS;
    assign m_axis_obs_tdata = {{(OBS_TDATA_BITS - OBS_BITS){1'b0}}, obs};
    assign m_axis_obs_tuser = decision == 0;
    wire obs_taken = m_axis_obs_tvalid && m_axis_obs_tready;

    assign s_axis_act_tready = 1'b1;
    wire act_in = s_axis_act_tvalid && active;
    wire step_in;
    wire signed [POS_BITS-1:0] new_step_r, new_step_c;
    direction_step #(
        .ACTION_BITS(ACTION_BITS), .VECTOR_BITS(VECTOR_BITS), .STEP_BITS(STEP_BITS), .STEP_GUARD(STEP_GUARD),
        .POS_BITS(POS_BITS), .CORDIC_ITERATIONS(CORDIC_ITERATIONS), .CORDIC_GUARD(CORDIC_GUARD), .W0(W0)
    ) direction (
        .clk(clk), .rstn(rstn && active), .in_valid(act_in),
        .v_row(s_axis_act_tdata[ACTION_BITS-1:0]), .v_col(s_axis_act_tdata[2*ACTION_BITS-1:ACTION_BITS]),
        .out_valid(step_in), .step_row(new_step_r), .step_col(new_step_c)
    );

    // ---- positions: probe k of segment s at start_s + k * step_s ------------------------------------------------------
    reg signed [POS_BITS-1:0] pos_r, pos_c;          // the next probe to offer (while k_out = 0 or 1 and no step: the start)
    reg signed [POS_BITS-1:0] step_r, step_c;
    reg step_ok;                                     // the step of segment seg_out is known
    reg [7:0] k_out, seg_out;
    reg positions_done;
    wire fifo_full, fifo_empty;
    wire [15:0] fifo_word;
    wire offer = active && !positions_done && (k_out == 0 || step_ok) && !fifo_full
        && (!m_axis_pos_tvalid || m_axis_pos_tready);

    // nearest pixel: floor(x + 1/2), clamped to the image
    wire signed [IB-1:0] row_i = $signed(pos_r[POS_BITS-1:POS_FRAC]) + $signed({1'b0, pos_r[POS_FRAC-1]});
    wire signed [IB-1:0] col_i = $signed(pos_c[POS_BITS-1:POS_FRAC]) + $signed({1'b0, pos_c[POS_FRAC-1]});
    wire [7:0] row_px = row_i < 0 ? 8'd0 : row_i > IMAGE_SIZE - 1 ? IMAGE_SIZE - 1 : row_i[7:0];
    wire [7:0] col_px = col_i < 0 ? 8'd0 : col_i > IMAGE_SIZE - 1 ? IMAGE_SIZE - 1 : col_i[7:0];

    wire sample_in;                                  // a sample leaves the sample FIFO: its report word goes out
    word_fifo #(.WIDTH(16), .DEPTH_LOG2(FIFO_LOG2)) outstanding (
        .clk(clk), .rstn(rstn && active), .push(offer), .din({col_px, row_px}), .pop(sample_in),
        .dout(fifo_word), .empty(fifo_empty), .full(fifo_full)
    );

    // the next segment's start -> its two position features (observation slots P and P + 1)
    reg signed [POS_BITS-1:0] start_r, start_c;      // the latest segment start known (next_valid: the next one's)
    reg signed [POS_BITS-1:0] span_r, span_c;        // PROBES * step, registered (one add each side of the register)
    reg span_valid, next_valid;
    wire start_feature_valid;
    wire signed [FB-1:0] start_feature_r, start_feature_c;
    position_feature #(
        .IMAGE_SIZE(IMAGE_SIZE), .POS_BITS(POS_BITS), .POS_FRAC(POS_FRAC), .FEATURE_BITS(FB),
        .FEATURE_FRAC(FEATURE_FRAC), .DIV_CLAMP(DIV_CLAMP), .DIV_OFFSET(DIV_OFFSET), .DIV_MULTIPLIER(DIV_MULTIPLIER),
        .DIV_SHIFT(DIV_SHIFT)
    ) start_row (
        .clk(clk), .rstn(rstn && active), .in_valid(next_valid), .start(start_r), .out_valid(start_feature_valid),
        .feature(start_feature_r)
    );
    position_feature #(
        .IMAGE_SIZE(IMAGE_SIZE), .POS_BITS(POS_BITS), .POS_FRAC(POS_FRAC), .FEATURE_BITS(FB),
        .FEATURE_FRAC(FEATURE_FRAC), .DIV_CLAMP(DIV_CLAMP), .DIV_OFFSET(DIV_OFFSET), .DIV_MULTIPLIER(DIV_MULTIPLIER),
        .DIV_SHIFT(DIV_SHIFT)
    ) start_col (
        .clk(clk), .rstn(rstn && active), .in_valid(next_valid), .start(start_c), .out_valid(),
        .feature(start_feature_c)
    );

    // ---- detector samples -> probe features and report words -----------------------------------------------------------
    reg [7:0] k_in, seg_in;
    reg [2*ACTION_BITS-1:0] action;                  // the decision of segment seg_in, for its report words
    reg action_ok;
    // every sample answers a position word still in `outstanding`, so this FIFO, as deep, is never full: tready stays high
    wire samples_empty, samples_full;
    wire [15:0] sample;
    reg [15:0] pos_taken;                            // position words the scan coil has taken in this scan
    reg [15:0] det_taken;                            // samples taken into the FIFO in this scan
    assign s_axis_det_tready = rstn;
    wire det_expected = active && det_taken < pos_taken;
    wire det_in = s_axis_det_tvalid && det_expected;
    wire det_discard = s_axis_det_tvalid && rstn && !det_expected;
    word_fifo #(.WIDTH(16), .DEPTH_LOG2(FIFO_LOG2)) samples (
        .clk(clk), .rstn(rstn && active), .push(det_in), .din(s_axis_det_tdata), .pop(sample_in),
        .dout(sample), .empty(samples_empty), .full(samples_full)
    );
    assign sample_in = active && action_ok && !samples_empty && !fifo_empty
        && (!m_axis_report_tvalid || m_axis_report_tready);
    wire last_of_segment = k_in == PROBES - 1;
    wire last_of_scan = last_of_segment && seg_in == SEGMENTS - 1;

    wire feature_valid;
    wire [7:0] feature_tag;
    wire signed [FB-1:0] feature;
    probe_calibration #(.FEATURE_BITS(FB), .FEATURE_FRAC(FEATURE_FRAC), .GAIN_FRAC(GAIN_FRAC), .TAG_BITS(8)) calibration (
        .clk(clk), .rstn(rstn && active), .in_valid(sample_in), .in_tag(k_in), .raw(sample), .offset(offset),
        .gain(gain), .out_valid(feature_valid), .out_tag(feature_tag), .feature(feature)
    );

    // ---- measurements ----------------------------------------------------------------------------------------------------
    reg [15:0] dead_count, decision_count, idle_count;
    reg dead_wait, decision_wait, idle_wait;
    reg [7:0] k_det, seg_det;                        // probe and segment of the next sample to arrive
    reg [15:0] seg_det_base;                         // seg_det * PROBES, kept by additions (no multiplier in the path)
    wire det_last_of_segment = k_det == PROBES - 1;
    wire pos_handshake = m_axis_pos_tvalid && m_axis_pos_tready;
    wire [15:0] pos_taken_now = pos_taken + pos_handshake;
    // pos_taken_now < (the number of probe 1 of the arriving sample's segment, of the next segment's first position word
    // among the scan's position words): both compares of registered counts, the handshake only choosing between them
    // (the handshake through an adder and a compare was the sequencer's critical path after place and route)
    wire before_second = pos_handshake ? pos_taken < seg_det_base + 1 : pos_taken < seg_det_base + 2;
    wire before_next_first = pos_handshake ? pos_taken < seg_det_base + PROBES : pos_taken < seg_det_base + PROBES + 1;
    reg [31:0] stall_count;                          // consecutive cycles the report stream has been held
    reg stalled;                                     // ... more than watchdog_cycles of them (registered: the compare
                                                     // and the count behind it were the next critical path, 95.6 MHz)
    assign beam_blank = (idle_wait && idle_count != 0) || stalled;

    integer slot;
    always @(posedge clk) begin
        if (!rstn) begin
            active <= 1'b0;
            done <= 1'b0;
            values_ready <= 1'b0;
            starts_ready <= 1'b0;
            decision <= 0;
            step_ok <= 1'b0;
            k_out <= 0;
            seg_out <= 0;
            positions_done <= 1'b0;
            span_valid <= 1'b0;
            next_valid <= 1'b0;
            k_in <= 0;
            seg_in <= 0;
            action_ok <= 1'b0;
            m_axis_pos_tvalid <= 1'b0;
            m_axis_pos_tlast <= 1'b0;
            m_axis_report_tvalid <= 1'b0;
            m_axis_report_tlast <= 1'b0;
            scan_cycles <= 0;
            dead_max <= 0;
            decision_max <= 0;
            dead_wait <= 1'b0;
            decision_wait <= 1'b0;
            idle_wait <= 1'b0;
            probe_idle_max <= 0;
            probe_idle_total <= 0;
            cycle <= 0;
            pos_taken <= 0;
            det_taken <= 0;
            discarded <= 0;
            stall_count <= 0;
            stalled <= 1'b0;
            stall_blank_cycles <= 0;
        end else if (!active) begin
            discarded <= discarded + det_discard;
            stall_count <= 0;
            stalled <= 1'b0;
            if (start) begin  // decision 0: nothing seen yet, at the centre
                active <= 1'b1;
                done <= 1'b0;
                obs <= 0;
                values_ready <= 1'b1;
                starts_ready <= 1'b1;
                decision <= 0;
                step_ok <= 1'b0;
                pos_r <= CENTRE;
                pos_c <= CENTRE;
                start_r <= CENTRE;
                start_c <= CENTRE;
                k_out <= 0;
                seg_out <= 0;
                positions_done <= 1'b0;
                k_in <= 0;
                seg_in <= 0;
                action_ok <= 1'b0;
                dead_max <= 0;
                decision_max <= 0;
                dead_wait <= 1'b0;
                decision_wait <= 1'b0;
                idle_wait <= 1'b0;
                probe_idle_max <= 0;
                probe_idle_total <= 0;
                k_det <= 0;
                seg_det <= 0;
                seg_det_base <= 0;
                pos_taken <= 0;
                det_taken <= 0;
                stall_blank_cycles <= 0;
                cycle <= 1;
            end
        end else begin
            cycle <= cycle + 1;
            discarded <= discarded + det_discard;
            stall_count <= m_axis_report_tvalid && !m_axis_report_tready ? stall_count + (stall_count != 32'hFFFFFFFF) : 0;
            stalled <= m_axis_report_tvalid && !m_axis_report_tready && stall_count >= watchdog_cycles;
            stall_blank_cycles <= stall_blank_cycles + stalled;

            // decisions
            if (obs_taken) begin
                values_ready <= 1'b0;
                starts_ready <= 1'b0;
                decision <= decision + 1;
            end
            if (act_in) begin
                action <= s_axis_act_tdata;
                action_ok <= 1'b1;
            end
            if (feature_valid) begin
                for (slot = 0; slot < PROBES; slot = slot + 1)
                    if (feature_tag == slot) obs[slot*FB +: FB] <= feature;
                if (feature_tag == PROBES - 1) values_ready <= 1'b1;
            end
            if (start_feature_valid) begin
                obs[PROBES*FB +: FB] <= start_feature_r;
                obs[(PROBES+1)*FB +: FB] <= start_feature_c;
                starts_ready <= 1'b1;
            end

            // steps and positions
            span_valid <= 1'b0;
            next_valid <= 1'b0;
            if (step_in) begin
                step_r <= new_step_r;
                step_c <= new_step_c;
                step_ok <= 1'b1;
                span_r <= new_step_r * PROBES;
                span_c <= new_step_c * PROBES;
                span_valid <= seg_out < SEGMENTS - 1;
            end
            if (span_valid) begin  // the next segment's start
                start_r <= start_r + span_r;
                start_c <= start_c + span_c;
                next_valid <= 1'b1;
            end
            if (offer) begin
                m_axis_pos_tdata <= {col_px, row_px};
                m_axis_pos_tvalid <= 1'b1;
                m_axis_pos_tlast <= k_out == PROBES - 1;
                if (k_out == PROBES - 1) begin
                    k_out <= 0;
                    seg_out <= seg_out + 1;
                    step_ok <= 1'b0;
                    positions_done <= seg_out == SEGMENTS - 1;
                    pos_r <= pos_r + step_r;
                    pos_c <= pos_c + step_c;
                end else begin
                    k_out <= k_out + 1;
                    if (k_out != 0) begin
                        pos_r <= pos_r + step_r;
                        pos_c <= pos_c + step_c;
                    end else if (step_in) begin
                        pos_r <= pos_r + new_step_r;
                        pos_c <= pos_c + new_step_c;
                    end
                end
            end else begin
                if (m_axis_pos_tready) m_axis_pos_tvalid <= 1'b0;
                if (step_in && k_out == 1) begin
                    pos_r <= pos_r + new_step_r;
                    pos_c <= pos_c + new_step_c;
                end
            end

            // samples and reports
            if (sample_in) begin
                m_axis_report_tdata <= {
                    {{(16 - ACTION_BITS){action[2*ACTION_BITS-1]}}, action[2*ACTION_BITS-1:ACTION_BITS]},
                    {{(16 - ACTION_BITS){action[ACTION_BITS-1]}}, action[ACTION_BITS-1:0]},
                    fifo_word, sample
                };
                m_axis_report_tvalid <= 1'b1;
                m_axis_report_tlast <= last_of_scan;
                if (last_of_segment) begin
                    k_in <= 0;
                    seg_in <= seg_in + 1;
                    action_ok <= 1'b0;
                end else begin
                    k_in <= k_in + 1;
                end
            end else if (m_axis_report_tready) begin
                m_axis_report_tvalid <= 1'b0;
            end
            if (m_axis_report_tvalid && m_axis_report_tready && m_axis_report_tlast) begin
                active <= 1'b0;
                done <= 1'b1;
                scan_cycles <= cycle;
            end

            // measurements, on the samples as they arrive: from a segment's last sample in to the next segment's first
            // position taken / step known; from probe 0's sample in to probe 1's position taken (the beam waits on probe 0)
            pos_taken <= pos_taken_now;
            det_taken <= det_taken + det_in;
            if (det_in) begin
                k_det <= det_last_of_segment ? 8'd0 : k_det + 1'b1;
                seg_det <= seg_det + det_last_of_segment;
                if (det_last_of_segment) seg_det_base <= seg_det_base + PROBES;
            end
            if (det_in && k_det == 0 && before_second) begin
                idle_wait <= 1'b1;
                idle_count <= 0;  // the first cycle is the turnaround every probe has: not a wait
            end else if (idle_wait) begin
                idle_count <= idle_count + (idle_count != 16'hFFFF);
                if (pos_handshake) begin
                    idle_wait <= 1'b0;
                    probe_idle_total <= probe_idle_total + idle_count;
                    if (idle_count > probe_idle_max) probe_idle_max <= idle_count;
                end
            end
            if (det_in && det_last_of_segment && seg_det != SEGMENTS - 1) begin
                dead_wait <= before_next_first;
                dead_count <= 1;
                decision_wait <= 1'b1;
                decision_count <= 1;
            end else begin
                if (dead_wait) begin
                    dead_count <= dead_count + (dead_count != 16'hFFFF);  // saturates
                    if (pos_handshake) begin
                        dead_wait <= 1'b0;
                        if (dead_count > dead_max) dead_max <= dead_count;
                    end
                end
                if (decision_wait) begin
                    decision_count <= decision_count + (decision_count != 16'hFFFF);
                    if (step_in) begin
                        decision_wait <= 1'b0;
                        if (decision_count > decision_max) decision_max <= decision_count;
                    end
                end
            end
        end
    end
endmodule
