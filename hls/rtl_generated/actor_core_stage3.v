`timescale 1 ns / 1 ps

module actor_core_stage3 (
    input [299:0] model_inp,
    output [269:0] model_out
);

    // verilator lint_off UNUSEDSIGNAL
    // Explicit quantization operation will drop bits if exists

    wire [9:0] v0; assign v0[9:0] = model_inp[9:0]; // 15.0
    wire [6:0] v1; lookup_table #(10, 7, "table_d086020b-4477-4c0a-9eaa-f8bf5dc6c0b2.mem") op_1 (v0, v1[6:0]); // 16.0
    wire [8:0] v2; assign v2[8:0] = model_inp[18:10]; // 15.0
    wire [7:0] v3; lookup_table #(9, 8, "table_f27a852a-67bc-47cc-bebd-a02c09837d80.mem") op_3 (v2, v3[7:0]); // 16.0
    wire [6:0] v4; assign v4[6:0] = v3[6:0]; // 16.0
    wire [5:0] v5; assign v5[5:0] = model_inp[24:19]; // 15.0
    wire [6:0] v6; assign v6[6:0] = model_inp[31:25]; // 15.0
    wire [12:0] v7; multiplier #(6, 7, 0, 1, 13) op_7 (v5[5:0], v6[6:0], v7[12:0]); // 17.0
    wire [12:0] v8; shift_adder #(13, 6, 1, 0, 13, 0, 0) op_8 (v7[12:0], 6'b100000, v8[12:0]); // 17.0
    wire [6:0] v9; assign v9[6:0] = v8[12:6]; // 17.0
    wire [6:0] v10; assign v10[6:0] = model_inp[38:32]; // 15.0
    wire [5:0] v11; assign v11[5:0] = model_inp[44:39]; // 15.0
    wire [12:0] v12; multiplier #(7, 6, 1, 0, 13) op_12 (v10[6:0], v11[5:0], v12[12:0]); // 19.0
    wire [12:0] v13; shift_adder #(13, 6, 1, 0, 13, 0, 0) op_13 (v12[12:0], 6'b100000, v13[12:0]); // 19.0
    wire [6:0] v14; assign v14[6:0] = v13[12:6]; // 19.0
    wire [5:0] v15; assign v15[5:0] = model_inp[50:45]; // 15.0
    wire [6:0] v16; assign v16[6:0] = model_inp[57:51]; // 15.0
    wire [12:0] v17; multiplier #(6, 7, 0, 1, 13) op_17 (v15[5:0], v16[6:0], v17[12:0]); // 20.0
    wire [12:0] v18; shift_adder #(13, 6, 1, 0, 13, 0, 0) op_18 (v17[12:0], 6'b100000, v18[12:0]); // 20.0
    wire [6:0] v19; assign v19[6:0] = v18[12:6]; // 20.0
    wire [5:0] v20; assign v20[5:0] = model_inp[63:58]; // 15.0
    wire [7:0] v21; assign v21[7:0] = model_inp[71:64]; // 15.0
    wire [12:0] v22; multiplier #(6, 8, 0, 1, 13) op_22 (v20[5:0], v21[7:0], v22[12:0]); // 20.0
    wire [12:0] v23; shift_adder #(13, 6, 1, 0, 13, 0, 0) op_23 (v22[12:0], 6'b100000, v23[12:0]); // 20.0
    wire [6:0] v24; assign v24[6:0] = v23[12:6]; // 20.0
    wire [7:0] v25; assign v25[7:0] = model_inp[79:72]; // 15.0
    wire [5:0] v26; assign v26[5:0] = model_inp[85:80]; // 15.0
    wire [5:0] v27; assign v27[5:0] = model_inp[91:86]; // 15.0
    wire [6:0] v28; assign v28[6:0] = model_inp[98:92]; // 15.0
    wire [10:0] v29; assign v29[10:0] = model_inp[109:99]; // 15.0
    wire [5:0] v30; assign v30[5:0] = model_inp[115:110]; // 15.0
    wire [10:0] v31; assign v31[10:0] = model_inp[126:116]; // 15.0
    wire [5:0] v32; assign v32[5:0] = model_inp[132:127]; // 15.0
    wire [10:0] v33; assign v33[10:0] = model_inp[143:133]; // 15.0
    wire [5:0] v34; assign v34[5:0] = model_inp[149:144]; // 15.0
    wire [10:0] v35; assign v35[10:0] = model_inp[160:150]; // 15.0
    wire [5:0] v36; assign v36[5:0] = model_inp[166:161]; // 15.0
    wire [10:0] v37; assign v37[10:0] = model_inp[177:167]; // 15.0
    wire [5:0] v38; assign v38[5:0] = model_inp[183:178]; // 15.0
    wire [10:0] v39; assign v39[10:0] = model_inp[194:184]; // 15.0
    wire [5:0] v40; assign v40[5:0] = model_inp[200:195]; // 15.0
    wire [10:0] v41; assign v41[10:0] = model_inp[211:201]; // 15.0
    wire [6:0] v42; assign v42[6:0] = model_inp[218:212]; // 15.0
    wire [5:0] v43; assign v43[5:0] = model_inp[224:219]; // 15.0
    wire [7:0] v44; assign v44[7:0] = model_inp[232:225]; // 15.0
    wire [10:0] v45; assign v45[10:0] = model_inp[243:233]; // 15.0
    wire [6:0] v46; assign v46[6:0] = model_inp[250:244]; // 15.0
    wire [5:0] v47; assign v47[5:0] = model_inp[256:251]; // 15.0
    wire [6:0] v48; assign v48[6:0] = model_inp[263:257]; // 15.0
    wire [5:0] v49; assign v49[5:0] = model_inp[269:264]; // 15.0
    wire [5:0] v50; assign v50[5:0] = model_inp[275:270]; // 15.0
    wire [5:0] v51; assign v51[5:0] = model_inp[281:276]; // 15.0
    wire [5:0] v52; assign v52[5:0] = model_inp[287:282]; // 15.0
    wire [5:0] v53; assign v53[5:0] = model_inp[293:288]; // 15.0
    wire [5:0] v54; assign v54[5:0] = model_inp[299:294]; // 15.0

    // verilator lint_on UNUSEDSIGNAL

    assign model_out[7:0] = v25[7:0];
    assign model_out[13:8] = v26[5:0];
    assign model_out[19:14] = v27[5:0];
    assign model_out[26:20] = v28[6:0];
    assign model_out[37:27] = v29[10:0];
    assign model_out[43:38] = v30[5:0];
    assign model_out[54:44] = v31[10:0];
    assign model_out[60:55] = v32[5:0];
    assign model_out[71:61] = v33[10:0];
    assign model_out[77:72] = v34[5:0];
    assign model_out[88:78] = v35[10:0];
    assign model_out[94:89] = v36[5:0];
    assign model_out[105:95] = v37[10:0];
    assign model_out[111:106] = v38[5:0];
    assign model_out[122:112] = v39[10:0];
    assign model_out[128:123] = v40[5:0];
    assign model_out[139:129] = v41[10:0];
    assign model_out[146:140] = v42[6:0];
    assign model_out[153:147] = v9[6:0];
    assign model_out[159:154] = v43[5:0];
    assign model_out[167:160] = v44[7:0];
    assign model_out[178:168] = v45[10:0];
    assign model_out[185:179] = v46[6:0];
    assign model_out[192:186] = v14[6:0];
    assign model_out[199:193] = v19[6:0];
    assign model_out[206:200] = v24[6:0];
    assign model_out[212:207] = v47[5:0];
    assign model_out[219:213] = v4[6:0];
    assign model_out[226:220] = v48[6:0];
    assign model_out[232:227] = v49[5:0];
    assign model_out[238:233] = v50[5:0];
    assign model_out[244:239] = v51[5:0];
    assign model_out[250:245] = v52[5:0];
    assign model_out[256:251] = v53[5:0];
    assign model_out[262:257] = v54[5:0];
    assign model_out[269:263] = v1[6:0];

endmodule
