`timescale 1 ns / 1 ps

module actor_core_stage7 (
    input [209:0] model_inp,
    output [261:0] model_out
);

    // verilator lint_off UNUSEDSIGNAL
    // Explicit quantization operation will drop bits if exists

    wire [6:0] v0; assign v0[6:0] = model_inp[6:0]; // 35.0
    wire [7:0] v1; assign v1[7:0] = model_inp[14:7]; // 35.0
    wire [13:0] v2; multiplier #(7, 8, 0, 1, 14) op_2 (v0[6:0], v1[7:0], v2[13:0]); // 37.0
    wire [13:0] v3; shift_adder #(14, 5, 1, 0, 14, 0, 0) op_3 (v2[13:0], 5'b10000, v3[13:0]); // 37.0
    wire [8:0] v4; assign v4[8:0] = v3[13:5]; // 37.0
    wire [8:0] v5; shift_adder #(9, 7, 1, 0, 9, 0, 1) op_5 (v4[8:0], 7'b1111111, v5[8:0]); // 37.0
    wire [5:0] v6; assign v6[5:0] = model_inp[20:15]; // 35.0
    wire [7:0] v7; assign v7[7:0] = model_inp[28:21]; // 35.0
    wire [12:0] v8; multiplier #(6, 8, 0, 1, 13) op_8 (v6[5:0], v7[7:0], v8[12:0]); // 37.0
    wire [12:0] v9; shift_adder #(13, 5, 1, 0, 13, 0, 0) op_9 (v8[12:0], 5'b10000, v9[12:0]); // 37.0
    wire [7:0] v10; assign v10[7:0] = v9[12:5]; // 37.0
    wire [5:0] v11; assign v11[5:0] = model_inp[34:29]; // 35.0
    wire [7:0] v12; assign v12[7:0] = model_inp[42:35]; // 35.0
    wire [12:0] v13; multiplier #(6, 8, 0, 1, 13) op_13 (v11[5:0], v12[7:0], v13[12:0]); // 37.0
    wire [12:0] v14; shift_adder #(13, 5, 1, 0, 13, 0, 0) op_14 (v13[12:0], 5'b10000, v14[12:0]); // 37.0
    wire [7:0] v15; assign v15[7:0] = v14[12:5]; // 37.0
    wire [5:0] v16; assign v16[5:0] = model_inp[48:43]; // 35.0
    wire [7:0] v17; assign v17[7:0] = model_inp[56:49]; // 35.0
    wire [12:0] v18; multiplier #(6, 8, 0, 1, 13) op_18 (v16[5:0], v17[7:0], v18[12:0]); // 38.0
    wire [12:0] v19; shift_adder #(13, 5, 1, 0, 13, 0, 0) op_19 (v18[12:0], 5'b10000, v19[12:0]); // 38.0
    wire [7:0] v20; assign v20[7:0] = v19[12:5]; // 38.0
    wire [6:0] v21; assign v21[6:0] = 'b1111111; // 38.0
    wire [7:0] v22; mux #(9, 7, 1, 0, 8, 0, 0) op_22 (v5[8], v4[8:0], v21[6:0], v22[7:0]); // 38.0
    wire [5:0] v23; assign v23[5:0] = model_inp[62:57]; // 35.0
    wire [7:0] v24; assign v24[7:0] = model_inp[70:63]; // 35.0
    wire [12:0] v25; multiplier #(6, 8, 0, 1, 13) op_25 (v23[5:0], v24[7:0], v25[12:0]); // 38.0
    wire [12:0] v26; shift_adder #(13, 5, 1, 0, 13, 0, 0) op_26 (v25[12:0], 5'b10000, v26[12:0]); // 38.0
    wire [7:0] v27; assign v27[7:0] = v26[12:5]; // 38.0
    wire [5:0] v28; assign v28[5:0] = model_inp[76:71]; // 35.0
    wire [7:0] v29; assign v29[7:0] = model_inp[84:77]; // 35.0
    wire [12:0] v30; multiplier #(6, 8, 0, 1, 13) op_30 (v28[5:0], v29[7:0], v30[12:0]); // 38.0
    wire [12:0] v31; shift_adder #(13, 5, 1, 0, 13, 0, 0) op_31 (v30[12:0], 5'b10000, v31[12:0]); // 38.0
    wire [7:0] v32; assign v32[7:0] = v31[12:5]; // 38.0
    wire [5:0] v33; assign v33[5:0] = model_inp[90:85]; // 35.0
    wire [7:0] v34; assign v34[7:0] = model_inp[98:91]; // 35.0
    wire [12:0] v35; multiplier #(6, 8, 0, 1, 13) op_35 (v33[5:0], v34[7:0], v35[12:0]); // 38.0
    wire [12:0] v36; shift_adder #(13, 5, 1, 0, 13, 0, 0) op_36 (v35[12:0], 5'b10000, v36[12:0]); // 38.0
    wire [7:0] v37; assign v37[7:0] = v36[12:5]; // 38.0
    wire [8:0] v38; shift_adder #(8, 8, 1, 1, 9, 0, 0) op_38 (v15[7:0], v10[7:0], v38[8:0]); // 38.0
    wire [6:0] v39; assign v39[6:0] = model_inp[105:99]; // 35.0
    wire [7:0] v40; assign v40[7:0] = model_inp[113:106]; // 35.0
    wire [13:0] v41; multiplier #(7, 8, 0, 1, 14) op_41 (v39[6:0], v40[7:0], v41[13:0]); // 38.0
    wire [13:0] v42; shift_adder #(14, 5, 1, 0, 14, 0, 0) op_42 (v41[13:0], 5'b10000, v42[13:0]); // 38.0
    wire [8:0] v43; assign v43[8:0] = v42[13:5]; // 38.0
    wire [8:0] v44; shift_adder #(9, 7, 1, 0, 9, 0, 1) op_44 (v43[8:0], 7'b1111111, v44[8:0]); // 38.0
    wire [12:0] v45; shift_adder #(8, 8, 1, 1, 13, 4, 0) op_45 (v10[7:0], v10[7:0], v45[12:0]); // 38.0
    wire [10:0] v46; shift_adder #(8, 8, 1, 1, 11, 2, 0) op_46 (v20[7:0], v22[7:0], v46[10:0]); // 39.0
    wire [10:0] v47; shift_adder #(8, 8, 1, 1, 11, 2, 1) op_47 (v27[7:0], v32[7:0], v47[10:0]); // 39.0
    wire [12:0] v48; shift_adder #(8, 8, 1, 1, 13, -4, 0) op_48 (v37[7:0], v37[7:0], v48[12:0]); // 39.0
    wire [8:0] v49; shift_adder #(8, 8, 1, 1, 9, 0, 0) op_49 (v10[7:0], v27[7:0], v49[8:0]); // 39.0
    wire [9:0] v50; shift_adder #(8, 9, 1, 1, 10, 0, 0) op_50 (v22[7:0], v38[8:0], v50[9:0]); // 39.0
    wire [6:0] v51; assign v51[6:0] = 'b1111111; // 39.0
    wire [7:0] v52; mux #(9, 7, 1, 0, 8, 0, 0) op_52 (v44[8], v43[8:0], v51[6:0], v52[7:0]); // 39.0
    wire [9:0] v53; shift_adder #(8, 8, 1, 1, 10, -1, 0) op_53 (v37[7:0], v32[7:0], v53[9:0]); // 39.0
    wire [12:0] v54; shift_adder #(8, 13, 1, 1, 13, 0, 0) op_54 (v32[7:0], v45[12:0], v54[12:0]); // 39.0
    wire [12:0] v55; shift_adder #(8, 8, 1, 1, 13, -4, 1) op_55 (v20[7:0], v27[7:0], v55[12:0]); // 39.0
    wire [13:0] v56; shift_adder #(8, 8, 1, 1, 14, 6, 1) op_56 (v37[7:0], v15[7:0], v56[13:0]); // 39.0
    wire [13:0] v57; shift_adder #(11, 11, 1, 1, 14, 3, 0) op_57 (v46[10:0], v47[10:0], v57[13:0]); // 40.0
    wire [14:0] v58; shift_adder #(11, 8, 1, 1, 15, 6, 1) op_58 (v47[10:0], v22[7:0], v58[14:0]); // 40.0
    wire [13:0] v59; shift_adder #(13, 9, 1, 1, 14, 4, 0) op_59 (v48[12:0], v49[8:0], v59[13:0]); // 40.0
    wire [9:0] v60; shift_adder #(10, 8, 1, 1, 10, 0, 0) op_60 (v50[9:0], v52[7:0], v60[9:0]); // 40.0
    wire [9:0] v61; shift_adder #(8, 8, 1, 1, 10, -1, 0) op_61 (v52[7:0], v15[7:0], v61[9:0]); // 40.0
    wire [13:0] v62; shift_adder #(13, 13, 1, 1, 14, 0, 0) op_62 (v54[12:0], v55[12:0], v62[13:0]); // 40.0
    wire [14:0] v63; shift_adder #(9, 14, 1, 1, 15, -3, 0) op_63 (v49[8:0], v56[13:0], v63[14:0]); // 40.0
    wire [11:0] v64; assign v64[11:0] = model_inp[125:114]; // 35.0
    wire [11:0] v65; assign v65[11:0] = model_inp[137:126]; // 35.0
    wire [11:0] v66; assign v66[11:0] = model_inp[149:138]; // 35.0
    wire [11:0] v67; assign v67[11:0] = model_inp[161:150]; // 35.0
    wire [11:0] v68; assign v68[11:0] = model_inp[173:162]; // 35.0
    wire [11:0] v69; assign v69[11:0] = model_inp[185:174]; // 35.0
    wire [11:0] v70; assign v70[11:0] = model_inp[197:186]; // 35.0
    wire [11:0] v71; assign v71[11:0] = model_inp[209:198]; // 35.0

    // verilator lint_on UNUSEDSIGNAL

    assign model_out[13:0] = v57[13:0];
    assign model_out[28:14] = v58[14:0];
    assign model_out[42:29] = v59[13:0];
    assign model_out[52:43] = v60[9:0];
    assign model_out[60:53] = v22[7:0];
    assign model_out[70:61] = v61[9:0];
    assign model_out[80:71] = v53[9:0];
    assign model_out[94:81] = v62[13:0];
    assign model_out[109:95] = v63[14:0];
    assign model_out[117:110] = v20[7:0];
    assign model_out[125:118] = v10[7:0];
    assign model_out[133:126] = v37[7:0];
    assign model_out[141:134] = v52[7:0];
    assign model_out[149:142] = v27[7:0];
    assign model_out[157:150] = v15[7:0];
    assign model_out[165:158] = v32[7:0];
    assign model_out[177:166] = v64[11:0];
    assign model_out[189:178] = v65[11:0];
    assign model_out[201:190] = v66[11:0];
    assign model_out[213:202] = v67[11:0];
    assign model_out[225:214] = v68[11:0];
    assign model_out[237:226] = v69[11:0];
    assign model_out[249:238] = v70[11:0];
    assign model_out[261:250] = v71[11:0];

endmodule
