`timescale 1 ns / 1 ps

module actor_core_stage9 (
    input [192:0] model_inp,
    output [179:0] model_out
);

    // verilator lint_off UNUSEDSIGNAL
    // Explicit quantization operation will drop bits if exists

    wire [8:0] v0; assign v0[8:0] = 'b111111111; // 46.0
    wire [11:0] v1; assign v1[11:0] = model_inp[11:0]; // 45.0
    wire [10:0] v2; assign v2[10:0] = model_inp[22:12]; // 45.0
    wire [9:0] v3; mux #(12, 9, 1, 0, 10, 0, 0) op_3 (v2[10], v1[11:0], v0[8:0], v3[9:0]); // 46.0
    wire [9:0] v4; assign v4[9:0] = model_inp[32:23]; // 45.0
    wire [7:0] v5; assign v5[7:0] = model_inp[40:33]; // 45.0
    wire [7:0] v6; assign v6[7:0] = model_inp[48:41]; // 45.0
    wire [7:0] v7; assign v7[7:0] = model_inp[56:49]; // 45.0
    wire [7:0] v8; assign v8[7:0] = model_inp[64:57]; // 45.0
    wire [7:0] v9; assign v9[7:0] = model_inp[72:65]; // 45.0
    wire [7:0] v10; assign v10[7:0] = model_inp[80:73]; // 45.0
    wire [7:0] v11; assign v11[7:0] = model_inp[88:81]; // 45.0
    wire [7:0] v12; assign v12[7:0] = model_inp[96:89]; // 45.0
    wire [11:0] v13; assign v13[11:0] = model_inp[108:97]; // 45.0
    wire [11:0] v14; assign v14[11:0] = model_inp[120:109]; // 45.0
    wire [11:0] v15; assign v15[11:0] = model_inp[132:121]; // 45.0
    wire [11:0] v16; assign v16[11:0] = model_inp[144:133]; // 45.0
    wire [11:0] v17; assign v17[11:0] = model_inp[156:145]; // 45.0
    wire [11:0] v18; assign v18[11:0] = model_inp[168:157]; // 45.0
    wire [11:0] v19; assign v19[11:0] = model_inp[180:169]; // 45.0
    wire [11:0] v20; assign v20[11:0] = model_inp[192:181]; // 45.0

    // verilator lint_on UNUSEDSIGNAL

    assign model_out[9:0] = v4[9:0];
    assign model_out[19:10] = v3[9:0];
    assign model_out[27:20] = v5[7:0];
    assign model_out[35:28] = v6[7:0];
    assign model_out[43:36] = v7[7:0];
    assign model_out[51:44] = v8[7:0];
    assign model_out[59:52] = v9[7:0];
    assign model_out[67:60] = v10[7:0];
    assign model_out[75:68] = v11[7:0];
    assign model_out[83:76] = v12[7:0];
    assign model_out[95:84] = v13[11:0];
    assign model_out[107:96] = v14[11:0];
    assign model_out[119:108] = v15[11:0];
    assign model_out[131:120] = v16[11:0];
    assign model_out[143:132] = v17[11:0];
    assign model_out[155:144] = v18[11:0];
    assign model_out[167:156] = v19[11:0];
    assign model_out[179:168] = v20[11:0];

endmodule
