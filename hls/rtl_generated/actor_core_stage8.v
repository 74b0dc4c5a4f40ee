`timescale 1 ns / 1 ps

module actor_core_stage8 (
    input [261:0] model_inp,
    output [192:0] model_out
);

    // verilator lint_off UNUSEDSIGNAL
    // Explicit quantization operation will drop bits if exists

    wire [13:0] v0; assign v0[13:0] = model_inp[13:0]; // 40.0
    wire [14:0] v1; assign v1[14:0] = model_inp[28:14]; // 40.0
    wire [14:0] v2; shift_adder #(14, 15, 1, 1, 15, 0, 0) op_2 (v0[13:0], v1[14:0], v2[14:0]); // 41.0
    wire [13:0] v3; assign v3[13:0] = model_inp[42:29]; // 40.0
    wire [9:0] v4; assign v4[9:0] = model_inp[52:43]; // 40.0
    wire [14:0] v5; shift_adder #(14, 10, 1, 1, 15, -1, 0) op_5 (v3[13:0], v4[9:0], v5[14:0]); // 41.0
    wire [7:0] v6; assign v6[7:0] = model_inp[60:53]; // 40.0
    wire [9:0] v7; assign v7[9:0] = model_inp[70:61]; // 40.0
    wire [10:0] v8; shift_adder #(8, 10, 1, 1, 11, -1, 1) op_8 (v6[7:0], v7[9:0], v8[10:0]); // 41.0
    wire [9:0] v9; assign v9[9:0] = model_inp[80:71]; // 40.0
    wire [11:0] v10; shift_adder #(10, 10, 1, 1, 12, 2, 1) op_10 (v7[9:0], v9[9:0], v10[11:0]); // 41.0
    wire [13:0] v11; assign v11[13:0] = model_inp[94:81]; // 40.0
    wire [14:0] v12; assign v12[14:0] = model_inp[109:95]; // 40.0
    wire [15:0] v13; shift_adder #(14, 15, 1, 1, 16, -1, 0) op_13 (v11[13:0], v12[14:0], v13[15:0]); // 41.0
    wire [15:0] v14; shift_adder #(15, 15, 1, 1, 16, 0, 1) op_14 (v2[14:0], v5[14:0], v14[15:0]); // 42.0
    wire [7:0] v15; assign v15[7:0] = model_inp[117:110]; // 40.0
    wire [11:0] v16; shift_adder #(8, 11, 1, 1, 12, -2, 1) op_16 (v15[7:0], v8[10:0], v16[11:0]); // 42.0
    wire [15:0] v17; shift_adder #(12, 16, 1, 1, 16, -2, 0) op_17 (v10[11:0], v13[15:0], v17[15:0]); // 42.0
    wire [16:0] v18; shift_adder #(16, 12, 1, 1, 17, 3, 1) op_18 (v14[15:0], v16[11:0], v18[16:0]); // 43.0
    wire [16:0] v19; shift_adder #(17, 5, 1, 0, 17, 0, 0) op_19 (v18[16:0], 5'b10000, v19[16:0]); // 43.0
    wire [11:0] v20; assign v20[11:0] = v19[16:5]; // 43.0
    wire [11:0] v21; shift_adder #(12, 10, 1, 0, 12, 0, 0) op_21 (v20[11:0], 10'b1000000000, v21[11:0]); // 43.0
    wire [16:0] v22; shift_adder #(16, 11, 1, 1, 17, 4, 1) op_22 (v17[15:0], v8[10:0], v22[16:0]); // 43.0
    wire [0:0] v23; assign v23[0:0] = 'b1; // 44.0
    wire [11:0] v24; mux #(1, 12, 1, 1, 12, -9, 0) op_24 (v21[11], v23[0:0], v20[11:0], v24[11:0]); // 44.0
    wire [10:0] v25; shift_adder #(12, 9, 1, 0, 11, 0, 1) op_25 (v24[11:0], 9'b111111111, v25[10:0]); // 44.0
    wire [16:0] v26; shift_adder #(17, 12, 1, 1, 17, 0, 1) op_26 (v22[16:0], v16[11:0], v26[16:0]); // 44.0
    wire [16:0] v27; shift_adder #(17, 5, 1, 0, 17, 0, 0) op_27 (v26[16:0], 5'b10000, v27[16:0]); // 44.0
    wire [11:0] v28; assign v28[11:0] = v27[16:5]; // 44.0
    wire [11:0] v29; shift_adder #(12, 10, 1, 0, 12, 0, 0) op_29 (v28[11:0], 10'b1000000000, v29[11:0]); // 44.0
    wire [8:0] v30; assign v30[8:0] = 'b111111111; // 45.0
    wire [9:0] v31; mux #(12, 9, 1, 0, 10, 0, 0) op_31 (v25[10], v24[11:0], v30[8:0], v31[9:0]); // 45.0
    wire [0:0] v32; assign v32[0:0] = 'b1; // 45.0
    wire [11:0] v33; mux #(1, 12, 1, 1, 12, -9, 0) op_33 (v29[11], v32[0:0], v28[11:0], v33[11:0]); // 45.0
    wire [10:0] v34; shift_adder #(12, 9, 1, 0, 11, 0, 1) op_34 (v33[11:0], 9'b111111111, v34[10:0]); // 45.0
    wire [7:0] v35; assign v35[7:0] = model_inp[125:118]; // 40.0
    wire [7:0] v36; assign v36[7:0] = model_inp[133:126]; // 40.0
    wire [7:0] v37; assign v37[7:0] = model_inp[141:134]; // 40.0
    wire [7:0] v38; assign v38[7:0] = model_inp[149:142]; // 40.0
    wire [7:0] v39; assign v39[7:0] = model_inp[157:150]; // 40.0
    wire [7:0] v40; assign v40[7:0] = model_inp[165:158]; // 40.0
    wire [11:0] v41; assign v41[11:0] = model_inp[177:166]; // 40.0
    wire [11:0] v42; assign v42[11:0] = model_inp[189:178]; // 40.0
    wire [11:0] v43; assign v43[11:0] = model_inp[201:190]; // 40.0
    wire [11:0] v44; assign v44[11:0] = model_inp[213:202]; // 40.0
    wire [11:0] v45; assign v45[11:0] = model_inp[225:214]; // 40.0
    wire [11:0] v46; assign v46[11:0] = model_inp[237:226]; // 40.0
    wire [11:0] v47; assign v47[11:0] = model_inp[249:238]; // 40.0
    wire [11:0] v48; assign v48[11:0] = model_inp[261:250]; // 40.0

    // verilator lint_on UNUSEDSIGNAL

    assign model_out[11:0] = v33[11:0];
    assign model_out[22:12] = v34[10:0];
    assign model_out[32:23] = v31[9:0];
    assign model_out[40:33] = v35[7:0];
    assign model_out[48:41] = v36[7:0];
    assign model_out[56:49] = v37[7:0];
    assign model_out[64:57] = v6[7:0];
    assign model_out[72:65] = v38[7:0];
    assign model_out[80:73] = v39[7:0];
    assign model_out[88:81] = v15[7:0];
    assign model_out[96:89] = v40[7:0];
    assign model_out[108:97] = v41[11:0];
    assign model_out[120:109] = v42[11:0];
    assign model_out[132:121] = v43[11:0];
    assign model_out[144:133] = v44[11:0];
    assign model_out[156:145] = v45[11:0];
    assign model_out[168:157] = v46[11:0];
    assign model_out[180:169] = v47[11:0];
    assign model_out[192:181] = v48[11:0];

endmodule
