`timescale 1 ns / 1 ps

module actor_core_stage5 (
    input [233:0] model_inp,
    output [209:0] model_out
);

    // verilator lint_off UNUSEDSIGNAL
    // Explicit quantization operation will drop bits if exists

    wire [10:0] v0; assign v0[10:0] = 'b11111111111; // 26.0
    wire [10:0] v1; assign v1[10:0] = model_inp[10:0]; // 25.0
    wire [12:0] v2; assign v2[12:0] = model_inp[23:11]; // 25.0
    wire [11:0] v3; mux #(11, 11, 1, 0, 12, -2, 0) op_3 (v2[12], v1[10:0], v0[10:0], v3[11:0]); // 26.0
    wire [12:0] v4; shift_adder #(12, 2, 1, 0, 13, 0, 0) op_4 (v3[11:0], 2'b10, v4[12:0]); // 26.0
    wire [9:0] v5; assign v5[9:0] = v4[11:2]; // 26.0
    wire [10:0] v6; assign v6[10:0] = 'b11111111111; // 26.0
    wire [10:0] v7; assign v7[10:0] = model_inp[34:24]; // 25.0
    wire [12:0] v8; assign v8[12:0] = model_inp[47:35]; // 25.0
    wire [11:0] v9; mux #(11, 11, 1, 0, 12, -2, 0) op_9 (v8[12], v7[10:0], v6[10:0], v9[11:0]); // 26.0
    wire [12:0] v10; shift_adder #(12, 2, 1, 0, 13, 0, 0) op_10 (v9[11:0], 2'b10, v10[12:0]); // 26.0
    wire [9:0] v11; assign v11[9:0] = v10[11:2]; // 26.0
    wire [10:0] v12; assign v12[10:0] = 'b11111111111; // 26.0
    wire [10:0] v13; assign v13[10:0] = model_inp[58:48]; // 25.0
    wire [12:0] v14; assign v14[12:0] = model_inp[71:59]; // 25.0
    wire [11:0] v15; mux #(11, 11, 1, 0, 12, -2, 0) op_15 (v14[12], v13[10:0], v12[10:0], v15[11:0]); // 26.0
    wire [12:0] v16; shift_adder #(12, 2, 1, 0, 13, 0, 0) op_16 (v15[11:0], 2'b10, v16[12:0]); // 26.0
    wire [9:0] v17; assign v17[9:0] = v16[11:2]; // 26.0
    wire [9:0] v18; assign v18[9:0] = model_inp[81:72]; // 25.0
    wire [7:0] v19; lookup_table #(10, 8, "table_be46626d-9b6b-471e-8cda-c2dfec4bf131.mem") op_19 (v18, v19[7:0]); // 29.0
    wire [9:0] v20; assign v20[9:0] = model_inp[91:82]; // 25.0
    wire [7:0] v21; lookup_table #(10, 8, "table_be46626d-9b6b-471e-8cda-c2dfec4bf131.mem") op_21 (v20, v21[7:0]); // 29.0
    wire [9:0] v22; assign v22[9:0] = model_inp[101:92]; // 25.0
    wire [7:0] v23; lookup_table #(10, 8, "table_be46626d-9b6b-471e-8cda-c2dfec4bf131.mem") op_23 (v22, v23[7:0]); // 29.0
    wire [7:0] v24; lookup_table #(10, 8, "table_be46626d-9b6b-471e-8cda-c2dfec4bf131.mem") op_24 (v5, v24[7:0]); // 30.0
    wire [10:0] v25; assign v25[10:0] = model_inp[112:102]; // 25.0
    wire [7:0] v26; lookup_table #(11, 8, "table_3cf89d1b-0a2c-4874-bced-ca7bb6cbca34.mem") op_26 (v25, v26[7:0]); // 30.0
    wire [7:0] v27; lookup_table #(10, 8, "table_be46626d-9b6b-471e-8cda-c2dfec4bf131.mem") op_27 (v11, v27[7:0]); // 30.0
    wire [10:0] v28; assign v28[10:0] = model_inp[123:113]; // 25.0
    wire [7:0] v29; lookup_table #(11, 8, "table_3cf89d1b-0a2c-4874-bced-ca7bb6cbca34.mem") op_29 (v28, v29[7:0]); // 30.0
    wire [7:0] v30; lookup_table #(10, 8, "table_be46626d-9b6b-471e-8cda-c2dfec4bf131.mem") op_30 (v17, v30[7:0]); // 30.0
    wire [6:0] v31; assign v31[6:0] = model_inp[130:124]; // 25.0
    wire [5:0] v32; assign v32[5:0] = model_inp[136:131]; // 25.0
    wire [5:0] v33; assign v33[5:0] = model_inp[142:137]; // 25.0
    wire [5:0] v34; assign v34[5:0] = model_inp[148:143]; // 25.0
    wire [5:0] v35; assign v35[5:0] = model_inp[154:149]; // 25.0
    wire [5:0] v36; assign v36[5:0] = model_inp[160:155]; // 25.0
    wire [5:0] v37; assign v37[5:0] = model_inp[166:161]; // 25.0
    wire [6:0] v38; assign v38[6:0] = model_inp[173:167]; // 25.0
    wire [11:0] v39; assign v39[11:0] = model_inp[185:174]; // 25.0
    wire [11:0] v40; assign v40[11:0] = model_inp[197:186]; // 25.0
    wire [11:0] v41; assign v41[11:0] = model_inp[209:198]; // 25.0
    wire [11:0] v42; assign v42[11:0] = model_inp[221:210]; // 25.0
    wire [11:0] v43; assign v43[11:0] = model_inp[233:222]; // 25.0

    // verilator lint_on UNUSEDSIGNAL

    assign model_out[6:0] = v31[6:0];
    assign model_out[14:7] = v19[7:0];
    assign model_out[20:15] = v32[5:0];
    assign model_out[28:21] = v21[7:0];
    assign model_out[34:29] = v33[5:0];
    assign model_out[42:35] = v23[7:0];
    assign model_out[48:43] = v34[5:0];
    assign model_out[56:49] = v24[7:0];
    assign model_out[62:57] = v35[5:0];
    assign model_out[70:63] = v26[7:0];
    assign model_out[76:71] = v36[5:0];
    assign model_out[84:77] = v27[7:0];
    assign model_out[90:85] = v37[5:0];
    assign model_out[98:91] = v29[7:0];
    assign model_out[105:99] = v38[6:0];
    assign model_out[113:106] = v30[7:0];
    assign model_out[125:114] = v39[11:0];
    assign model_out[137:126] = v40[11:0];
    assign model_out[149:138] = v15[11:0];
    assign model_out[161:150] = v41[11:0];
    assign model_out[173:162] = v42[11:0];
    assign model_out[185:174] = v43[11:0];
    assign model_out[197:186] = v3[11:0];
    assign model_out[209:198] = v9[11:0];

endmodule
