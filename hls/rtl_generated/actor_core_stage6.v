`timescale 1 ns / 1 ps

module actor_core_stage6 (
    input [209:0] model_inp,
    output [209:0] model_out
);

    // verilator lint_off UNUSEDSIGNAL
    // Explicit quantization operation will drop bits if exists

    wire [6:0] v0; assign v0[6:0] = model_inp[6:0]; // 30.0
    wire [7:0] v1; assign v1[7:0] = model_inp[14:7]; // 30.0
    wire [5:0] v2; assign v2[5:0] = model_inp[20:15]; // 30.0
    wire [7:0] v3; assign v3[7:0] = model_inp[28:21]; // 30.0
    wire [5:0] v4; assign v4[5:0] = model_inp[34:29]; // 30.0
    wire [7:0] v5; assign v5[7:0] = model_inp[42:35]; // 30.0
    wire [5:0] v6; assign v6[5:0] = model_inp[48:43]; // 30.0
    wire [7:0] v7; assign v7[7:0] = model_inp[56:49]; // 30.0
    wire [5:0] v8; assign v8[5:0] = model_inp[62:57]; // 30.0
    wire [7:0] v9; assign v9[7:0] = model_inp[70:63]; // 30.0
    wire [5:0] v10; assign v10[5:0] = model_inp[76:71]; // 30.0
    wire [7:0] v11; assign v11[7:0] = model_inp[84:77]; // 30.0
    wire [5:0] v12; assign v12[5:0] = model_inp[90:85]; // 30.0
    wire [7:0] v13; assign v13[7:0] = model_inp[98:91]; // 30.0
    wire [6:0] v14; assign v14[6:0] = model_inp[105:99]; // 30.0
    wire [7:0] v15; assign v15[7:0] = model_inp[113:106]; // 30.0
    wire [11:0] v16; assign v16[11:0] = model_inp[125:114]; // 30.0
    wire [11:0] v17; assign v17[11:0] = model_inp[137:126]; // 30.0
    wire [11:0] v18; assign v18[11:0] = model_inp[149:138]; // 30.0
    wire [11:0] v19; assign v19[11:0] = model_inp[161:150]; // 30.0
    wire [11:0] v20; assign v20[11:0] = model_inp[173:162]; // 30.0
    wire [11:0] v21; assign v21[11:0] = model_inp[185:174]; // 30.0
    wire [11:0] v22; assign v22[11:0] = model_inp[197:186]; // 30.0
    wire [11:0] v23; assign v23[11:0] = model_inp[209:198]; // 30.0

    // verilator lint_on UNUSEDSIGNAL

    assign model_out[6:0] = v0[6:0];
    assign model_out[14:7] = v1[7:0];
    assign model_out[20:15] = v2[5:0];
    assign model_out[28:21] = v3[7:0];
    assign model_out[34:29] = v4[5:0];
    assign model_out[42:35] = v5[7:0];
    assign model_out[48:43] = v6[5:0];
    assign model_out[56:49] = v7[7:0];
    assign model_out[62:57] = v8[5:0];
    assign model_out[70:63] = v9[7:0];
    assign model_out[76:71] = v10[5:0];
    assign model_out[84:77] = v11[7:0];
    assign model_out[90:85] = v12[5:0];
    assign model_out[98:91] = v13[7:0];
    assign model_out[105:99] = v14[6:0];
    assign model_out[113:106] = v15[7:0];
    assign model_out[125:114] = v16[11:0];
    assign model_out[137:126] = v17[11:0];
    assign model_out[149:138] = v18[11:0];
    assign model_out[161:150] = v19[11:0];
    assign model_out[173:162] = v20[11:0];
    assign model_out[185:174] = v21[11:0];
    assign model_out[197:186] = v22[11:0];
    assign model_out[209:198] = v23[11:0];

endmodule
