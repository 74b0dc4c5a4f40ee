`timescale 1 ns / 1 ps

module actor_core_stage2 (
    input [478:0] model_inp,
    output [299:0] model_out
);

    // verilator lint_off UNUSEDSIGNAL
    // Explicit quantization operation will drop bits if exists

    wire [6:0] v0; assign v0[6:0] = model_inp[6:0]; // 10.0
    wire [8:0] v1; assign v1[8:0] = model_inp[15:7]; // 10.0
    wire [9:0] v2; shift_adder #(7, 9, 1, 1, 10, 0, 0) op_2 (v0[6:0], v1[8:0], v2[9:0]); // 11.0
    wire [8:0] v3; assign v3[8:0] = v2[8:0]; // 11.0
    wire [9:0] v4; assign v4[9:0] = model_inp[25:16]; // 10.0
    wire [7:0] v5; lookup_table #(10, 8, "table_ebec63aa-0ccb-494d-8c56-75d1634f36e9.mem") op_5 (v4, v5[7:0]); // 11.0
    wire [7:0] v6; assign v6[7:0] = model_inp[33:26]; // 10.0
    wire [7:0] v7; assign v7[7:0] = model_inp[41:34]; // 10.0
    wire [8:0] v8; shift_adder #(8, 8, 1, 1, 9, 0, 0) op_8 (v6[7:0], v7[7:0], v8[8:0]); // 11.0
    wire [9:0] v9; assign v9[9:0] = model_inp[51:42]; // 10.0
    wire [6:0] v10; lookup_table #(10, 7, "table_d086020b-4477-4c0a-9eaa-f8bf5dc6c0b2.mem") op_10 (v9, v10[6:0]); // 11.0
    wire [5:0] v11; assign v11[5:0] = v10[5:0]; // 11.0
    wire [8:0] v12; assign v12[8:0] = model_inp[60:52]; // 10.0
    wire [5:0] v13; lookup_table #(9, 6, "table_5ccd626b-af31-4c45-af04-5079225d19cd.mem") op_13 (v12, v13[5:0]); // 11.0
    wire [8:0] v14; assign v14[8:0] = model_inp[69:61]; // 10.0
    wire [5:0] v15; lookup_table #(9, 6, "table_5ccd626b-af31-4c45-af04-5079225d19cd.mem") op_15 (v14, v15[5:0]); // 11.0
    wire [7:0] v16; assign v16[7:0] = model_inp[77:70]; // 10.0
    wire [5:0] v17; lookup_table #(8, 6, "table_f7fb5eff-5af9-4586-93a9-73cab4e967ec.mem") op_17 (v16, v17[5:0]); // 11.0
    wire [19:0] v18; assign v18[19:0] = model_inp[97:78]; // 10.0
    wire [20:0] v19; assign v19[20:0] = model_inp[118:98]; // 10.0
    wire [21:0] v20; shift_adder #(20, 21, 1, 1, 22, 0, 1) op_20 (v18[19:0], v19[20:0], v20[21:0]); // 11.0
    wire [21:0] v21; shift_adder #(22, 8, 1, 0, 22, 0, 0) op_21 (v20[21:0], 8'b10000000, v21[21:0]); // 11.0
    wire [8:0] v22; assign v22[8:0] = v21[16:8]; // 11.0
    wire [7:0] v23; assign v23[7:0] = model_inp[126:119]; // 10.0
    wire [6:0] v24; lookup_table #(8, 7, "table_9ac48e2d-e355-4196-95ce-161c7764051a.mem") op_24 (v23, v24[6:0]); // 11.0
    wire [8:0] v25; assign v25[8:0] = model_inp[135:127]; // 10.0
    wire [5:0] v26; lookup_table #(9, 6, "table_5ccd626b-af31-4c45-af04-5079225d19cd.mem") op_26 (v25, v26[5:0]); // 11.0
    wire [8:0] v27; assign v27[8:0] = model_inp[144:136]; // 10.0
    wire [5:0] v28; lookup_table #(9, 6, "table_5ccd626b-af31-4c45-af04-5079225d19cd.mem") op_28 (v27, v28[5:0]); // 11.0
    wire [6:0] v29; assign v29[6:0] = model_inp[151:145]; // 10.0
    wire [7:0] v30; assign v30[7:0] = model_inp[159:152]; // 10.0
    wire [8:0] v31; shift_adder #(7, 8, 1, 1, 9, 0, 0) op_31 (v29[6:0], v30[7:0], v31[8:0]); // 11.0
    wire [7:0] v32; assign v32[7:0] = v31[7:0]; // 11.0
    wire [8:0] v33; assign v33[8:0] = model_inp[168:160]; // 10.0
    wire [5:0] v34; lookup_table #(9, 6, "table_5ccd626b-af31-4c45-af04-5079225d19cd.mem") op_34 (v33, v34[5:0]); // 11.0
    wire [19:0] v35; assign v35[19:0] = model_inp[188:169]; // 10.0
    wire [20:0] v36; assign v36[20:0] = model_inp[209:189]; // 10.0
    wire [21:0] v37; shift_adder #(20, 21, 1, 1, 22, 0, 0) op_37 (v35[19:0], v36[20:0], v37[21:0]); // 11.0
    wire [21:0] v38; shift_adder #(22, 8, 1, 0, 22, 0, 0) op_38 (v37[21:0], 8'b10000000, v38[21:0]); // 11.0
    wire [9:0] v39; assign v39[9:0] = v38[17:8]; // 11.0
    wire [9:0] v40; assign v40[9:0] = model_inp[219:210]; // 10.0
    wire [6:0] v41; lookup_table #(10, 7, "table_d086020b-4477-4c0a-9eaa-f8bf5dc6c0b2.mem") op_41 (v40, v41[6:0]); // 12.0
    wire [6:0] v42; assign v42[6:0] = model_inp[226:220]; // 10.0
    wire [9:0] v43; shift_adder #(7, 9, 1, 1, 10, 0, 0) op_43 (v42[6:0], v22[8:0], v43[9:0]); // 12.0
    wire [8:0] v44; assign v44[8:0] = v43[8:0]; // 12.0
    wire [9:0] v45; assign v45[9:0] = model_inp[236:227]; // 10.0
    wire [6:0] v46; lookup_table #(10, 7, "table_67d089f8-bd24-4a6d-a264-b7dddc608ff3.mem") op_46 (v45, v46[6:0]); // 12.0
    wire [8:0] v47; assign v47[8:0] = model_inp[245:237]; // 10.0
    wire [5:0] v48; lookup_table #(9, 6, "table_90a2bbf4-cea1-4a65-ac37-ce769e7adbd3.mem") op_48 (v47, v48[5:0]); // 12.0
    wire [8:0] v49; assign v49[8:0] = model_inp[254:246]; // 10.0
    wire [5:0] v50; lookup_table #(9, 6, "table_5ccd626b-af31-4c45-af04-5079225d19cd.mem") op_50 (v49, v50[5:0]); // 12.0
    wire [7:0] v51; assign v51[7:0] = model_inp[262:255]; // 10.0
    wire [5:0] v52; lookup_table #(8, 6, "table_f7fb5eff-5af9-4586-93a9-73cab4e967ec.mem") op_52 (v51, v52[5:0]); // 12.0
    wire [8:0] v53; assign v53[8:0] = model_inp[271:263]; // 10.0
    wire [7:0] v54; lookup_table #(9, 8, "table_6a43c956-5903-47f9-8b41-0e1176c9da07.mem") op_54 (v53, v54[7:0]); // 12.0
    wire [7:0] v55; assign v55[7:0] = model_inp[279:272]; // 10.0
    wire [10:0] v56; shift_adder #(8, 10, 1, 1, 11, 0, 0) op_56 (v55[7:0], v39[9:0], v56[10:0]); // 12.0
    wire [9:0] v57; assign v57[9:0] = v56[9:0]; // 12.0
    wire [18:0] v58; assign v58[18:0] = model_inp[298:280]; // 10.0
    wire [21:0] v59; shift_adder #(19, 22, 1, 1, 22, 0, 1) op_59 (v58[18:0], v20[21:0], v59[21:0]); // 12.0
    wire [21:0] v60; shift_adder #(22, 8, 1, 0, 22, 0, 0) op_60 (v59[21:0], 8'b10000000, v60[21:0]); // 12.0
    wire [7:0] v61; assign v61[7:0] = v60[15:8]; // 12.0
    wire [9:0] v62; assign v62[9:0] = model_inp[308:299]; // 10.0
    wire [6:0] v63; lookup_table #(10, 7, "table_ebba9350-3499-4100-b41b-77164c91fb16.mem") op_63 (v62, v63[6:0]); // 13.0
    wire [5:0] v64; assign v64[5:0] = v63[5:0]; // 13.0
    wire [8:0] v65; assign v65[8:0] = model_inp[317:309]; // 10.0
    wire [5:0] v66; lookup_table #(9, 6, "table_5ccd626b-af31-4c45-af04-5079225d19cd.mem") op_66 (v65, v66[5:0]); // 13.0
    wire [8:0] v67; assign v67[8:0] = model_inp[326:318]; // 10.0
    wire [5:0] v68; lookup_table #(9, 6, "table_5ccd626b-af31-4c45-af04-5079225d19cd.mem") op_68 (v67, v68[5:0]); // 13.0
    wire [8:0] v69; assign v69[8:0] = model_inp[335:327]; // 10.0
    wire [7:0] v70; lookup_table #(9, 8, "table_6a43c956-5903-47f9-8b41-0e1176c9da07.mem") op_70 (v69, v70[7:0]); // 13.0
    wire [6:0] v71; assign v71[6:0] = v70[6:0]; // 13.0
    wire [5:0] v72; lookup_table #(8, 6, "table_f7fb5eff-5af9-4586-93a9-73cab4e967ec.mem") op_72 (v32, v72[5:0]); // 13.0
    wire [7:0] v73; assign v73[7:0] = model_inp[343:336]; // 10.0
    wire [8:0] v74; shift_adder #(8, 8, 1, 1, 9, 0, 0) op_74 (v73[7:0], v61[7:0], v74[8:0]); // 13.0
    wire [5:0] v75; lookup_table #(9, 6, "table_5ccd626b-af31-4c45-af04-5079225d19cd.mem") op_75 (v3, v75[5:0]); // 14.0
    wire [9:0] v76; assign v76[9:0] = model_inp[353:344]; // 10.0
    wire [6:0] v77; lookup_table #(10, 7, "table_ebba9350-3499-4100-b41b-77164c91fb16.mem") op_77 (v76, v77[6:0]); // 14.0
    wire [7:0] v78; lookup_table #(9, 8, "table_f27a852a-67bc-47cc-bebd-a02c09837d80.mem") op_78 (v8, v78[7:0]); // 14.0
    wire [6:0] v79; assign v79[6:0] = v78[6:0]; // 14.0
    wire [7:0] v80; lookup_table #(9, 8, "table_6a43c956-5903-47f9-8b41-0e1176c9da07.mem") op_80 (v44, v80[7:0]); // 15.0
    wire [5:0] v81; assign v81[5:0] = model_inp[359:354]; // 10.0
    wire [6:0] v82; assign v82[6:0] = model_inp[366:360]; // 10.0
    wire [5:0] v83; assign v83[5:0] = model_inp[372:367]; // 10.0
    wire [10:0] v84; assign v84[10:0] = model_inp[383:373]; // 10.0
    wire [5:0] v85; assign v85[5:0] = model_inp[389:384]; // 10.0
    wire [10:0] v86; assign v86[10:0] = model_inp[400:390]; // 10.0
    wire [10:0] v87; assign v87[10:0] = model_inp[411:401]; // 10.0
    wire [10:0] v88; assign v88[10:0] = model_inp[422:412]; // 10.0
    wire [10:0] v89; assign v89[10:0] = model_inp[433:423]; // 10.0
    wire [10:0] v90; assign v90[10:0] = model_inp[444:434]; // 10.0
    wire [10:0] v91; assign v91[10:0] = model_inp[455:445]; // 10.0
    wire [5:0] v92; assign v92[5:0] = model_inp[461:456]; // 10.0
    wire [10:0] v93; assign v93[10:0] = model_inp[472:462]; // 10.0
    wire [5:0] v94; assign v94[5:0] = model_inp[478:473]; // 10.0

    // verilator lint_on UNUSEDSIGNAL

    assign model_out[9:0] = v57[9:0];
    assign model_out[18:10] = v74[8:0];
    assign model_out[24:19] = v81[5:0];
    assign model_out[31:25] = v82[6:0];
    assign model_out[38:32] = v24[6:0];
    assign model_out[44:39] = v48[5:0];
    assign model_out[50:45] = v50[5:0];
    assign model_out[57:51] = v71[6:0];
    assign model_out[63:58] = v52[5:0];
    assign model_out[71:64] = v54[7:0];
    assign model_out[79:72] = v5[7:0];
    assign model_out[85:80] = v64[5:0];
    assign model_out[91:86] = v83[5:0];
    assign model_out[98:92] = v79[6:0];
    assign model_out[109:99] = v84[10:0];
    assign model_out[115:110] = v85[5:0];
    assign model_out[126:116] = v86[10:0];
    assign model_out[132:127] = v11[5:0];
    assign model_out[143:133] = v87[10:0];
    assign model_out[149:144] = v15[5:0];
    assign model_out[160:150] = v88[10:0];
    assign model_out[166:161] = v26[5:0];
    assign model_out[177:167] = v89[10:0];
    assign model_out[183:178] = v28[5:0];
    assign model_out[194:184] = v90[10:0];
    assign model_out[200:195] = v34[5:0];
    assign model_out[211:201] = v91[10:0];
    assign model_out[218:212] = v41[6:0];
    assign model_out[224:219] = v92[5:0];
    assign model_out[232:225] = v80[7:0];
    assign model_out[243:233] = v93[10:0];
    assign model_out[250:244] = v46[6:0];
    assign model_out[256:251] = v94[5:0];
    assign model_out[263:257] = v77[6:0];
    assign model_out[269:264] = v68[5:0];
    assign model_out[275:270] = v72[5:0];
    assign model_out[281:276] = v75[5:0];
    assign model_out[287:282] = v13[5:0];
    assign model_out[293:288] = v17[5:0];
    assign model_out[299:294] = v66[5:0];

endmodule
