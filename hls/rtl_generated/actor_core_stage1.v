`timescale 1 ns / 1 ps

module actor_core_stage1 (
    input [1644:0] model_inp,
    output [478:0] model_out
);

    // verilator lint_off UNUSEDSIGNAL
    // Explicit quantization operation will drop bits if exists

    wire [17:0] v0; assign v0[17:0] = model_inp[17:0]; // 5.0
    wire [18:0] v1; assign v1[18:0] = model_inp[36:18]; // 5.0
    wire [19:0] v2; shift_adder #(18, 19, 1, 1, 20, 0, 0) op_2 (v0[17:0], v1[18:0], v2[19:0]); // 6.0
    wire [15:0] v3; assign v3[15:0] = model_inp[52:37]; // 5.0
    wire [18:0] v4; assign v4[18:0] = model_inp[71:53]; // 5.0
    wire [18:0] v5; shift_adder #(16, 19, 1, 1, 19, 0, 0) op_5 (v3[15:0], v4[18:0], v5[18:0]); // 6.0
    wire [17:0] v6; assign v6[17:0] = model_inp[89:72]; // 5.0
    wire [14:0] v7; assign v7[14:0] = model_inp[104:90]; // 5.0
    wire [17:0] v8; shift_adder #(18, 15, 1, 1, 18, 2, 1) op_8 (v6[17:0], v7[14:0], v8[17:0]); // 6.0
    wire [16:0] v9; assign v9[16:0] = model_inp[121:105]; // 5.0
    wire [16:0] v10; shift_adder #(17, 15, 1, 1, 17, 0, 1) op_10 (v9[16:0], v7[14:0], v10[16:0]); // 6.0
    wire [17:0] v11; assign v11[17:0] = model_inp[139:122]; // 5.0
    wire [17:0] v12; assign v12[17:0] = model_inp[157:140]; // 5.0
    wire [18:0] v13; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_13 (v11[17:0], v12[17:0], v13[18:0]); // 6.0
    wire [18:0] v14; shift_adder #(19, 8, 1, 0, 19, 0, 0) op_14 (v13[18:0], 8'b10000000, v14[18:0]); // 6.0
    wire [8:0] v15; assign v15[8:0] = v14[16:8]; // 6.0
    wire [17:0] v16; assign v16[17:0] = model_inp[175:158]; // 5.0
    wire [17:0] v17; assign v17[17:0] = model_inp[193:176]; // 5.0
    wire [18:0] v18; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_18 (v16[17:0], v17[17:0], v18[18:0]); // 6.0
    wire [17:0] v19; assign v19[17:0] = model_inp[211:194]; // 5.0
    wire [17:0] v20; assign v20[17:0] = model_inp[229:212]; // 5.0
    wire [18:0] v21; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_21 (v19[17:0], v20[17:0], v21[18:0]); // 6.0
    wire [17:0] v22; assign v22[17:0] = model_inp[247:230]; // 5.0
    wire [18:0] v23; assign v23[18:0] = model_inp[266:248]; // 5.0
    wire [19:0] v24; shift_adder #(18, 19, 1, 1, 20, 0, 0) op_24 (v22[17:0], v23[18:0], v24[19:0]); // 6.0
    wire [17:0] v25; assign v25[17:0] = model_inp[284:267]; // 5.0
    wire [18:0] v26; assign v26[18:0] = model_inp[303:285]; // 5.0
    wire [18:0] v27; shift_adder #(18, 19, 1, 1, 19, 0, 0) op_27 (v25[17:0], v26[18:0], v27[18:0]); // 6.0
    wire [16:0] v28; assign v28[16:0] = model_inp[320:304]; // 5.0
    wire [13:0] v29; assign v29[13:0] = model_inp[334:321]; // 5.0
    wire [17:0] v30; shift_adder #(17, 14, 1, 1, 18, 3, 1) op_30 (v28[16:0], v29[13:0], v30[17:0]); // 6.0
    wire [17:0] v31; assign v31[17:0] = model_inp[352:335]; // 5.0
    wire [17:0] v32; assign v32[17:0] = model_inp[370:353]; // 5.0
    wire [18:0] v33; shift_adder #(18, 18, 1, 1, 19, 0, 1) op_33 (v31[17:0], v32[17:0], v33[18:0]); // 6.0
    wire [16:0] v34; assign v34[16:0] = model_inp[387:371]; // 5.0
    wire [16:0] v35; assign v35[16:0] = model_inp[404:388]; // 5.0
    wire [17:0] v36; shift_adder #(17, 17, 1, 1, 18, 0, 0) op_36 (v34[16:0], v35[16:0], v36[17:0]); // 6.0
    wire [18:0] v37; assign v37[18:0] = model_inp[423:405]; // 5.0
    wire [16:0] v38; assign v38[16:0] = model_inp[440:424]; // 5.0
    wire [18:0] v39; shift_adder #(19, 17, 1, 1, 19, 0, 1) op_39 (v37[18:0], v38[16:0], v39[18:0]); // 6.0
    wire [16:0] v40; assign v40[16:0] = model_inp[457:441]; // 5.0
    wire [17:0] v41; assign v41[17:0] = model_inp[475:458]; // 5.0
    wire [18:0] v42; shift_adder #(17, 18, 1, 1, 19, 0, 0) op_42 (v40[16:0], v41[17:0], v42[18:0]); // 6.0
    wire [15:0] v43; assign v43[15:0] = model_inp[491:476]; // 5.0
    wire [18:0] v44; assign v44[18:0] = model_inp[510:492]; // 5.0
    wire [18:0] v45; shift_adder #(16, 19, 1, 1, 19, 0, 0) op_45 (v43[15:0], v44[18:0], v45[18:0]); // 6.0
    wire [18:0] v46; shift_adder #(19, 15, 1, 0, 19, 0, 0) op_46 (v45[18:0], 15'b100000010000000, v46[18:0]); // 6.0
    wire [9:0] v47; assign v47[9:0] = v46[17:8]; // 6.0
    wire [18:0] v48; shift_adder #(19, 8, 1, 0, 19, 0, 0) op_48 (v21[18:0], 8'b10000000, v48[18:0]); // 6.0
    wire [6:0] v49; assign v49[6:0] = v48[14:8]; // 6.0
    wire [16:0] v50; assign v50[16:0] = model_inp[527:511]; // 5.0
    wire [17:0] v51; assign v51[17:0] = model_inp[545:528]; // 5.0
    wire [18:0] v52; shift_adder #(17, 18, 1, 1, 19, 0, 0) op_52 (v50[16:0], v51[17:0], v52[18:0]); // 6.0
    wire [9:0] v53; assign v53[9:0] = model_inp[555:546]; // 5.0
    wire [13:0] v54; assign v54[13:0] = model_inp[569:556]; // 5.0
    wire [15:0] v55; shift_adder #(10, 14, 1, 1, 16, -5, 0) op_55 (v53[9:0], v54[13:0], v55[15:0]); // 6.0
    wire [17:0] v56; assign v56[17:0] = model_inp[587:570]; // 5.0
    wire [18:0] v57; assign v57[18:0] = model_inp[606:588]; // 5.0
    wire [18:0] v58; shift_adder #(18, 19, 1, 1, 19, 0, 0) op_58 (v56[17:0], v57[18:0], v58[18:0]); // 6.0
    wire [17:0] v59; assign v59[17:0] = model_inp[624:607]; // 5.0
    wire [17:0] v60; assign v60[17:0] = model_inp[642:625]; // 5.0
    wire [18:0] v61; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_61 (v59[17:0], v60[17:0], v61[18:0]); // 6.0
    wire [17:0] v62; assign v62[17:0] = model_inp[660:643]; // 5.0
    wire [18:0] v63; assign v63[18:0] = model_inp[679:661]; // 5.0
    wire [19:0] v64; shift_adder #(18, 19, 1, 1, 20, 0, 0) op_64 (v62[17:0], v63[18:0], v64[19:0]); // 6.0
    wire [17:0] v65; assign v65[17:0] = model_inp[697:680]; // 5.0
    wire [17:0] v66; assign v66[17:0] = model_inp[715:698]; // 5.0
    wire [18:0] v67; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_67 (v65[17:0], v66[17:0], v67[18:0]); // 6.0
    wire [17:0] v68; assign v68[17:0] = model_inp[733:716]; // 5.0
    wire [15:0] v69; assign v69[15:0] = model_inp[749:734]; // 5.0
    wire [18:0] v70; shift_adder #(18, 16, 1, 1, 19, 0, 0) op_70 (v68[17:0], v69[15:0], v70[18:0]); // 6.0
    wire [17:0] v71; assign v71[17:0] = model_inp[767:750]; // 5.0
    wire [17:0] v72; assign v72[17:0] = model_inp[785:768]; // 5.0
    wire [18:0] v73; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_73 (v71[17:0], v72[17:0], v73[18:0]); // 6.0
    wire [16:0] v74; assign v74[16:0] = model_inp[802:786]; // 5.0
    wire [16:0] v75; assign v75[16:0] = model_inp[819:803]; // 5.0
    wire [17:0] v76; shift_adder #(17, 17, 1, 1, 18, 0, 1) op_76 (v74[16:0], v75[16:0], v76[17:0]); // 6.0
    wire [15:0] v77; assign v77[15:0] = model_inp[835:820]; // 5.0
    wire [13:0] v78; assign v78[13:0] = model_inp[849:836]; // 5.0
    wire [17:0] v79; shift_adder #(16, 14, 1, 1, 18, 3, 1) op_79 (v77[15:0], v78[13:0], v79[17:0]); // 6.0
    wire [17:0] v80; assign v80[17:0] = model_inp[867:850]; // 5.0
    wire [17:0] v81; assign v81[17:0] = model_inp[885:868]; // 5.0
    wire [18:0] v82; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_82 (v80[17:0], v81[17:0], v82[18:0]); // 6.0
    wire [17:0] v83; assign v83[17:0] = model_inp[903:886]; // 5.0
    wire [18:0] v84; assign v84[18:0] = model_inp[922:904]; // 5.0
    wire [19:0] v85; shift_adder #(18, 19, 1, 1, 20, 0, 0) op_85 (v83[17:0], v84[18:0], v85[19:0]); // 6.0
    wire [17:0] v86; assign v86[17:0] = model_inp[940:923]; // 5.0
    wire [17:0] v87; assign v87[17:0] = model_inp[958:941]; // 5.0
    wire [18:0] v88; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_88 (v86[17:0], v87[17:0], v88[18:0]); // 6.0
    wire [17:0] v89; assign v89[17:0] = model_inp[976:959]; // 5.0
    wire [18:0] v90; assign v90[18:0] = model_inp[995:977]; // 5.0
    wire [19:0] v91; shift_adder #(18, 19, 1, 1, 20, 0, 0) op_91 (v89[17:0], v90[18:0], v91[19:0]); // 6.0
    wire [17:0] v92; assign v92[17:0] = model_inp[1013:996]; // 5.0
    wire [15:0] v93; assign v93[15:0] = model_inp[1029:1014]; // 5.0
    wire [18:0] v94; shift_adder #(18, 16, 1, 1, 19, 2, 1) op_94 (v92[17:0], v93[15:0], v94[18:0]); // 6.0
    wire [16:0] v95; assign v95[16:0] = model_inp[1046:1030]; // 5.0
    wire [15:0] v96; assign v96[15:0] = model_inp[1062:1047]; // 5.0
    wire [19:0] v97; shift_adder #(17, 16, 1, 1, 20, 3, 1) op_97 (v95[16:0], v96[15:0], v97[19:0]); // 6.0
    wire [16:0] v98; assign v98[16:0] = model_inp[1079:1063]; // 5.0
    wire [18:0] v99; assign v99[18:0] = model_inp[1098:1080]; // 5.0
    wire [18:0] v100; shift_adder #(17, 19, 1, 1, 19, 0, 1) op_100 (v98[16:0], v99[18:0], v100[18:0]); // 6.0
    wire [18:0] v101; shift_adder #(19, 15, 1, 0, 19, 0, 0) op_101 (v100[18:0], 15'b100000010000000, v101[18:0]); // 6.0
    wire [8:0] v102; assign v102[8:0] = v101[16:8]; // 6.0
    wire [18:0] v103; shift_adder #(19, 8, 1, 0, 19, 0, 0) op_103 (v61[18:0], 8'b10000000, v103[18:0]); // 6.0
    wire [7:0] v104; assign v104[7:0] = v103[15:8]; // 6.0
    wire [18:0] v105; assign v105[18:0] = model_inp[1117:1099]; // 5.0
    wire [17:0] v106; assign v106[17:0] = model_inp[1135:1118]; // 5.0
    wire [18:0] v107; shift_adder #(19, 18, 1, 1, 19, 0, 1) op_107 (v105[18:0], v106[17:0], v107[18:0]); // 6.0
    wire [17:0] v108; assign v108[17:0] = model_inp[1153:1136]; // 5.0
    wire [18:0] v109; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_109 (v108[17:0], v8[17:0], v109[18:0]); // 7.0
    wire [18:0] v110; assign v110[18:0] = model_inp[1172:1154]; // 5.0
    wire [18:0] v111; shift_adder #(19, 17, 1, 1, 19, 0, 0) op_111 (v110[18:0], v10[16:0], v111[18:0]); // 7.0
    wire [6:0] v112; assign v112[6:0] = model_inp[1179:1173]; // 5.0
    wire [9:0] v113; shift_adder #(7, 9, 1, 1, 10, 0, 0) op_113 (v112[6:0], v15[8:0], v113[9:0]); // 7.0
    wire [19:0] v114; shift_adder #(19, 20, 1, 1, 20, 0, 1) op_114 (v21[18:0], v24[19:0], v114[19:0]); // 7.0
    wire [14:0] v115; assign v115[14:0] = model_inp[1194:1180]; // 5.0
    wire [18:0] v116; shift_adder #(19, 15, 1, 1, 19, 0, 1) op_116 (v27[18:0], v115[14:0], v116[18:0]); // 7.0
    wire [18:0] v117; shift_adder #(19, 15, 1, 0, 19, 0, 0) op_117 (v116[18:0], 15'b100000010000000, v117[18:0]); // 7.0
    wire [9:0] v118; assign v118[9:0] = v117[17:8]; // 7.0
    wire [17:0] v119; assign v119[17:0] = model_inp[1212:1195]; // 5.0
    wire [18:0] v120; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_120 (v119[17:0], v30[17:0], v120[18:0]); // 7.0
    wire [19:0] v121; shift_adder #(20, 8, 1, 0, 20, 0, 1) op_121 (v114[19:0], 8'b10000000, v121[19:0]); // 7.0
    wire [19:0] v121_neg; negative #(20, 20, 1) op_neg_121 (v121, v121_neg);
    wire [7:0] v122; assign v122[7:0] = v121_neg[15:8]; // 7.0
    wire [17:0] v123; assign v123[17:0] = model_inp[1230:1213]; // 5.0
    wire [18:0] v124; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_124 (v123[17:0], v36[17:0], v124[18:0]); // 7.0
    wire [19:0] v125; shift_adder #(19, 19, 1, 1, 20, 0, 1) op_125 (v13[18:0], v42[18:0], v125[19:0]); // 7.0
    wire [7:0] v126; assign v126[7:0] = model_inp[1238:1231]; // 5.0
    wire [10:0] v127; shift_adder #(8, 10, 1, 1, 11, 0, 0) op_127 (v126[7:0], v47[9:0], v127[10:0]); // 7.0
    wire [9:0] v128; assign v128[9:0] = v127[9:0]; // 7.0
    wire [18:0] v129; shift_adder #(19, 8, 1, 0, 19, 0, 0) op_129 (v109[18:0], 8'b10000000, v129[18:0]); // 7.0
    wire [8:0] v130; assign v130[8:0] = v129[16:8]; // 7.0
    wire [7:0] v131; assign v131[7:0] = model_inp[1246:1239]; // 5.0
    wire [8:0] v132; shift_adder #(8, 7, 1, 1, 9, 0, 0) op_132 (v131[7:0], v49[6:0], v132[8:0]); // 7.0
    wire [7:0] v133; assign v133[7:0] = v132[7:0]; // 7.0
    wire [19:0] v134; shift_adder #(20, 8, 1, 0, 20, 0, 1) op_134 (v125[19:0], 8'b10000000, v134[19:0]); // 7.0
    wire [19:0] v134_neg; negative #(20, 20, 1) op_neg_134 (v134, v134_neg);
    wire [8:0] v135; assign v135[8:0] = v134_neg[16:8]; // 7.0
    wire [18:0] v136; shift_adder #(19, 16, 1, 1, 19, 0, 1) op_136 (v52[18:0], v55[15:0], v136[18:0]); // 7.0
    wire [18:0] v137; shift_adder #(19, 15, 1, 0, 19, 0, 0) op_137 (v136[18:0], 15'b100000010000000, v137[18:0]); // 7.0
    wire [8:0] v138; assign v138[8:0] = v137[16:8]; // 7.0
    wire [19:0] v139; shift_adder #(19, 19, 1, 1, 20, 0, 1) op_139 (v58[18:0], v61[18:0], v139[19:0]); // 7.0
    wire [19:0] v140; shift_adder #(20, 8, 1, 0, 20, 0, 0) op_140 (v139[19:0], 8'b10000000, v140[19:0]); // 7.0
    wire [7:0] v141; assign v141[7:0] = v140[15:8]; // 7.0
    wire [16:0] v142; assign v142[16:0] = model_inp[1263:1247]; // 5.0
    wire [18:0] v143; shift_adder #(19, 17, 1, 1, 19, 0, 1) op_143 (v67[18:0], v142[16:0], v143[18:0]); // 7.0
    wire [18:0] v144; shift_adder #(19, 15, 1, 0, 19, 0, 0) op_144 (v143[18:0], 15'b100000010000000, v144[18:0]); // 7.0
    wire [8:0] v145; assign v145[8:0] = v144[16:8]; // 7.0
    wire [16:0] v146; assign v146[16:0] = model_inp[1280:1264]; // 5.0
    wire [18:0] v147; shift_adder #(17, 19, 1, 1, 19, 0, 0) op_147 (v146[16:0], v70[18:0], v147[18:0]); // 7.0
    wire [17:0] v148; assign v148[17:0] = model_inp[1298:1281]; // 5.0
    wire [18:0] v149; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_149 (v148[17:0], v76[17:0], v149[18:0]); // 7.0
    wire [18:0] v150; shift_adder #(19, 15, 1, 0, 19, 0, 0) op_150 (v149[18:0], 15'b100000010000000, v150[18:0]); // 7.0
    wire [8:0] v151; assign v151[8:0] = v150[16:8]; // 7.0
    wire [17:0] v152; assign v152[17:0] = model_inp[1316:1299]; // 5.0
    wire [18:0] v153; shift_adder #(18, 18, 1, 1, 19, 0, 0) op_153 (v152[17:0], v79[17:0], v153[18:0]); // 7.0
    wire [18:0] v154; shift_adder #(19, 16, 1, 1, 19, 0, 1) op_154 (v82[18:0], v55[15:0], v154[18:0]); // 7.0
    wire [18:0] v155; shift_adder #(19, 15, 1, 0, 19, 0, 0) op_155 (v154[18:0], 15'b100000010000000, v155[18:0]); // 7.0
    wire [9:0] v156; assign v156[9:0] = v155[17:8]; // 7.0
    wire [18:0] v157; shift_adder #(19, 15, 1, 1, 19, 0, 1) op_157 (v94[18:0], v115[14:0], v157[18:0]); // 7.0
    wire [18:0] v158; shift_adder #(19, 15, 1, 0, 19, 0, 0) op_158 (v157[18:0], 15'b100000010000000, v158[18:0]); // 7.0
    wire [8:0] v159; assign v159[8:0] = v158[16:8]; // 7.0
    wire [17:0] v160; assign v160[17:0] = model_inp[1334:1317]; // 5.0
    wire [19:0] v161; shift_adder #(18, 20, 1, 1, 20, 0, 0) op_161 (v160[17:0], v97[19:0], v161[19:0]); // 7.0
    wire [7:0] v162; assign v162[7:0] = model_inp[1342:1335]; // 5.0
    wire [9:0] v163; shift_adder #(8, 9, 1, 1, 10, 0, 0) op_163 (v162[7:0], v102[8:0], v163[9:0]); // 7.0
    wire [8:0] v164; assign v164[8:0] = v163[8:0]; // 7.0
    wire [7:0] v165; assign v165[7:0] = model_inp[1350:1343]; // 5.0
    wire [8:0] v166; shift_adder #(8, 8, 1, 1, 9, 0, 0) op_166 (v165[7:0], v104[7:0], v166[8:0]); // 7.0
    wire [7:0] v167; assign v167[7:0] = v166[7:0]; // 7.0
    wire [19:0] v168; shift_adder #(19, 19, 1, 1, 20, 0, 1) op_168 (v109[18:0], v111[18:0], v168[19:0]); // 8.0
    wire [20:0] v169; shift_adder #(19, 20, 1, 1, 21, 0, 0) op_169 (v18[18:0], v114[19:0], v169[20:0]); // 8.0
    wire [20:0] v170; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_170 (v169[20:0], 8'b10000000, v170[20:0]); // 8.0
    wire [8:0] v171; assign v171[8:0] = v170[16:8]; // 8.0
    wire [6:0] v172; assign v172[6:0] = model_inp[1357:1351]; // 5.0
    wire [10:0] v173; shift_adder #(7, 10, 1, 1, 11, 0, 0) op_173 (v172[6:0], v118[9:0], v173[10:0]); // 8.0
    wire [9:0] v174; assign v174[9:0] = v173[9:0]; // 8.0
    wire [6:0] v175; assign v175[6:0] = model_inp[1364:1358]; // 5.0
    wire [8:0] v176; shift_adder #(7, 8, 1, 1, 9, 0, 0) op_176 (v175[6:0], v122[7:0], v176[8:0]); // 8.0
    wire [7:0] v177; assign v177[7:0] = v176[7:0]; // 8.0
    wire [20:0] v178; shift_adder #(19, 20, 1, 1, 21, 0, 0) op_178 (v39[18:0], v125[19:0], v178[20:0]); // 8.0
    wire [7:0] v179; assign v179[7:0] = model_inp[1372:1365]; // 5.0
    wire [9:0] v180; shift_adder #(8, 9, 1, 1, 10, 0, 0) op_180 (v179[7:0], v130[8:0], v180[9:0]); // 8.0
    wire [8:0] v181; assign v181[8:0] = v180[8:0]; // 8.0
    wire [6:0] v182; assign v182[6:0] = model_inp[1379:1373]; // 5.0
    wire [9:0] v183; shift_adder #(7, 9, 1, 1, 10, 0, 0) op_183 (v182[6:0], v135[8:0], v183[9:0]); // 8.0
    wire [7:0] v184; assign v184[7:0] = v183[7:0]; // 8.0
    wire [7:0] v185; assign v185[7:0] = model_inp[1387:1380]; // 5.0
    wire [9:0] v186; shift_adder #(8, 9, 1, 1, 10, 0, 0) op_186 (v185[7:0], v138[8:0], v186[9:0]); // 8.0
    wire [8:0] v187; assign v187[8:0] = v186[8:0]; // 8.0
    wire [19:0] v188; shift_adder #(20, 8, 1, 0, 20, 0, 1) op_188 (v168[19:0], 8'b10000000, v188[19:0]); // 8.0
    wire [19:0] v188_neg; negative #(20, 20, 1) op_neg_188 (v188, v188_neg);
    wire [7:0] v189; assign v189[7:0] = v188_neg[15:8]; // 8.0
    wire [6:0] v190; assign v190[6:0] = model_inp[1394:1388]; // 5.0
    wire [8:0] v191; shift_adder #(7, 8, 1, 1, 9, 0, 0) op_191 (v190[6:0], v141[7:0], v191[8:0]); // 8.0
    wire [7:0] v192; assign v192[7:0] = v191[7:0]; // 8.0
    wire [8:0] v193; assign v193[8:0] = model_inp[1403:1395]; // 5.0
    wire [9:0] v194; shift_adder #(9, 9, 1, 1, 10, 0, 0) op_194 (v193[8:0], v145[8:0], v194[9:0]); // 8.0
    wire [20:0] v195; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_195 (v178[20:0], 8'b10000000, v195[20:0]); // 8.0
    wire [7:0] v196; assign v196[7:0] = v195[15:8]; // 8.0
    wire [20:0] v197; shift_adder #(19, 20, 1, 1, 21, 0, 1) op_197 (v73[18:0], v114[19:0], v197[20:0]); // 8.0
    wire [20:0] v198; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_198 (v197[20:0], 8'b10000000, v198[20:0]); // 8.0
    wire [7:0] v199; assign v199[7:0] = v198[15:8]; // 8.0
    wire [6:0] v200; assign v200[6:0] = model_inp[1410:1404]; // 5.0
    wire [9:0] v201; shift_adder #(7, 9, 1, 1, 10, 0, 0) op_201 (v200[6:0], v151[8:0], v201[9:0]); // 8.0
    wire [8:0] v202; assign v202[8:0] = v201[8:0]; // 8.0
    wire [19:0] v203; shift_adder #(19, 19, 1, 1, 20, 0, 1) op_203 (v61[18:0], v153[18:0], v203[19:0]); // 8.0
    wire [19:0] v204; shift_adder #(20, 8, 1, 0, 20, 0, 1) op_204 (v203[19:0], 8'b10000000, v204[19:0]); // 8.0
    wire [19:0] v204_neg; negative #(20, 20, 1) op_neg_204 (v204, v204_neg);
    wire [7:0] v205; assign v205[7:0] = v204_neg[15:8]; // 8.0
    wire [7:0] v206; assign v206[7:0] = model_inp[1418:1411]; // 5.0
    wire [10:0] v207; shift_adder #(8, 10, 1, 1, 11, 0, 0) op_207 (v206[7:0], v156[9:0], v207[10:0]); // 8.0
    wire [8:0] v208; assign v208[8:0] = v207[8:0]; // 8.0
    wire [20:0] v209; shift_adder #(20, 20, 1, 1, 21, 0, 1) op_209 (v91[19:0], v125[19:0], v209[20:0]); // 8.0
    wire [20:0] v210; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_210 (v209[20:0], 8'b10000000, v210[20:0]); // 8.0
    wire [8:0] v211; assign v211[8:0] = v210[16:8]; // 8.0
    wire [7:0] v212; assign v212[7:0] = model_inp[1426:1419]; // 5.0
    wire [9:0] v213; shift_adder #(8, 9, 1, 1, 10, 0, 0) op_213 (v212[7:0], v159[8:0], v213[9:0]); // 8.0
    wire [8:0] v214; assign v214[8:0] = v213[8:0]; // 8.0
    wire [20:0] v215; shift_adder #(19, 20, 1, 1, 21, 0, 0) op_215 (v5[18:0], v168[19:0], v215[20:0]); // 9.0
    wire [7:0] v216; assign v216[7:0] = model_inp[1434:1427]; // 5.0
    wire [9:0] v217; shift_adder #(8, 9, 1, 1, 10, 0, 0) op_217 (v216[7:0], v171[8:0], v217[9:0]); // 9.0
    wire [20:0] v218; shift_adder #(19, 20, 1, 1, 21, 0, 0) op_218 (v120[18:0], v168[19:0], v218[20:0]); // 9.0
    wire [20:0] v219; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_219 (v218[20:0], 8'b10000000, v219[20:0]); // 9.0
    wire [8:0] v220; assign v220[8:0] = v219[16:8]; // 9.0
    wire [20:0] v221; shift_adder #(19, 21, 1, 1, 21, 0, 1) op_221 (v124[18:0], v178[20:0], v221[20:0]); // 9.0
    wire [5:0] v222; lookup_table #(8, 6, "table_f7fb5eff-5af9-4586-93a9-73cab4e967ec.mem") op_222 (v133, v222[5:0]); // 9.0
    wire [6:0] v223; assign v223[6:0] = model_inp[1441:1435]; // 5.0
    wire [8:0] v224; shift_adder #(7, 8, 1, 1, 9, 0, 0) op_224 (v223[6:0], v189[7:0], v224[8:0]); // 9.0
    wire [7:0] v225; assign v225[7:0] = v224[7:0]; // 9.0
    wire [20:0] v226; shift_adder #(19, 20, 1, 1, 21, 0, 0) op_226 (v147[18:0], v168[19:0], v226[20:0]); // 9.0
    wire [20:0] v227; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_227 (v226[20:0], 8'b10000000, v227[20:0]); // 9.0
    wire [8:0] v228; assign v228[8:0] = v227[16:8]; // 9.0
    wire [7:0] v229; assign v229[7:0] = model_inp[1449:1442]; // 5.0
    wire [8:0] v230; shift_adder #(8, 8, 1, 1, 9, 0, 0) op_230 (v229[7:0], v196[7:0], v230[8:0]); // 9.0
    wire [7:0] v231; assign v231[7:0] = v230[7:0]; // 9.0
    wire [7:0] v232; assign v232[7:0] = model_inp[1457:1450]; // 5.0
    wire [8:0] v233; shift_adder #(8, 8, 1, 1, 9, 0, 0) op_233 (v232[7:0], v199[7:0], v233[8:0]); // 9.0
    wire [20:0] v234; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_234 (v215[20:0], 8'b10000000, v234[20:0]); // 9.0
    wire [8:0] v235; assign v235[8:0] = v234[16:8]; // 9.0
    wire [8:0] v236; assign v236[8:0] = model_inp[1466:1458]; // 5.0
    wire [9:0] v237; shift_adder #(9, 8, 1, 1, 10, 0, 0) op_237 (v236[8:0], v205[7:0], v237[9:0]); // 9.0
    wire [8:0] v238; assign v238[8:0] = v237[8:0]; // 9.0
    wire [20:0] v239; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_239 (v221[20:0], 8'b10000000, v239[20:0]); // 9.0
    wire [8:0] v240; assign v240[8:0] = v239[16:8]; // 9.0
    wire [20:0] v241; shift_adder #(19, 20, 1, 1, 21, 0, 1) op_241 (v88[18:0], v203[19:0], v241[20:0]); // 9.0
    wire [20:0] v242; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_242 (v241[20:0], 8'b10000000, v242[20:0]); // 9.0
    wire [7:0] v243; assign v243[7:0] = v242[15:8]; // 9.0
    wire [7:0] v244; assign v244[7:0] = model_inp[1474:1467]; // 5.0
    wire [9:0] v245; shift_adder #(8, 9, 1, 1, 10, 0, 0) op_245 (v244[7:0], v211[8:0], v245[9:0]); // 9.0
    wire [8:0] v246; assign v246[8:0] = v245[8:0]; // 9.0
    wire [5:0] v247; lookup_table #(8, 6, "table_f7fb5eff-5af9-4586-93a9-73cab4e967ec.mem") op_247 (v167, v247[5:0]); // 9.0
    wire [20:0] v248; shift_adder #(20, 21, 1, 1, 21, 0, 0) op_248 (v2[19:0], v215[20:0], v248[20:0]); // 10.0
    wire [20:0] v249; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_249 (v248[20:0], 8'b10000000, v249[20:0]); // 10.0
    wire [8:0] v250; assign v250[8:0] = v249[16:8]; // 10.0
    wire [7:0] v251; assign v251[7:0] = model_inp[1482:1475]; // 5.0
    wire [9:0] v252; shift_adder #(8, 9, 1, 1, 10, 0, 0) op_252 (v251[7:0], v220[8:0], v252[9:0]); // 10.0
    wire [5:0] v253; lookup_table #(8, 6, "table_f7fb5eff-5af9-4586-93a9-73cab4e967ec.mem") op_253 (v177, v253[5:0]); // 10.0
    wire [20:0] v254; shift_adder #(19, 21, 1, 1, 21, 0, 0) op_254 (v33[18:0], v221[20:0], v254[20:0]); // 10.0
    wire [20:0] v255; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_255 (v254[20:0], 8'b10000000, v255[20:0]); // 10.0
    wire [7:0] v256; assign v256[7:0] = v255[15:8]; // 10.0
    wire [6:0] v257; lookup_table #(8, 7, "table_9ac48e2d-e355-4196-95ce-161c7764051a.mem") op_257 (v184, v257[6:0]); // 10.0
    wire [5:0] v258; lookup_table #(8, 6, "table_f7fb5eff-5af9-4586-93a9-73cab4e967ec.mem") op_258 (v192, v258[5:0]); // 10.0
    wire [7:0] v259; assign v259[7:0] = model_inp[1490:1483]; // 5.0
    wire [9:0] v260; shift_adder #(8, 9, 1, 1, 10, 0, 0) op_260 (v259[7:0], v228[8:0], v260[9:0]); // 10.0
    wire [8:0] v261; assign v261[8:0] = v260[8:0]; // 10.0
    wire [6:0] v262; assign v262[6:0] = model_inp[1497:1491]; // 5.0
    wire [9:0] v263; shift_adder #(7, 9, 1, 1, 10, 0, 0) op_263 (v262[6:0], v235[8:0], v263[9:0]); // 10.0
    wire [8:0] v264; assign v264[8:0] = v263[8:0]; // 10.0
    wire [7:0] v265; assign v265[7:0] = model_inp[1505:1498]; // 5.0
    wire [9:0] v266; shift_adder #(8, 9, 1, 1, 10, 0, 0) op_266 (v265[7:0], v240[8:0], v266[9:0]); // 10.0
    wire [8:0] v267; assign v267[8:0] = v266[8:0]; // 10.0
    wire [20:0] v268; shift_adder #(20, 21, 1, 1, 21, 0, 0) op_268 (v85[19:0], v218[20:0], v268[20:0]); // 10.0
    wire [20:0] v269; shift_adder #(21, 8, 1, 0, 21, 0, 0) op_269 (v268[20:0], 8'b10000000, v269[20:0]); // 10.0
    wire [7:0] v270; assign v270[7:0] = v269[15:8]; // 10.0
    wire [5:0] v271; assign v271[5:0] = model_inp[1511:1506]; // 5.0
    wire [8:0] v272; shift_adder #(6, 8, 1, 1, 9, 0, 0) op_272 (v271[5:0], v243[7:0], v272[8:0]); // 10.0
    wire [7:0] v273; assign v273[7:0] = v272[7:0]; // 10.0
    wire [5:0] v274; lookup_table #(9, 6, "table_5ccd626b-af31-4c45-af04-5079225d19cd.mem") op_274 (v164, v274[5:0]); // 10.0
    wire [6:0] v275; assign v275[6:0] = model_inp[1518:1512]; // 5.0
    wire [7:0] v276; assign v276[7:0] = model_inp[1526:1519]; // 5.0
    wire [6:0] v277; assign v277[6:0] = model_inp[1533:1527]; // 5.0
    wire [6:0] v278; assign v278[6:0] = model_inp[1540:1534]; // 5.0
    wire [7:0] v279; assign v279[7:0] = model_inp[1548:1541]; // 5.0
    wire [7:0] v280; assign v280[7:0] = model_inp[1556:1549]; // 5.0
    wire [10:0] v281; assign v281[10:0] = model_inp[1567:1557]; // 5.0
    wire [10:0] v282; assign v282[10:0] = model_inp[1578:1568]; // 5.0
    wire [10:0] v283; assign v283[10:0] = model_inp[1589:1579]; // 5.0
    wire [10:0] v284; assign v284[10:0] = model_inp[1600:1590]; // 5.0
    wire [10:0] v285; assign v285[10:0] = model_inp[1611:1601]; // 5.0
    wire [10:0] v286; assign v286[10:0] = model_inp[1622:1612]; // 5.0
    wire [10:0] v287; assign v287[10:0] = model_inp[1633:1623]; // 5.0
    wire [10:0] v288; assign v288[10:0] = model_inp[1644:1634]; // 5.0

    // verilator lint_on UNUSEDSIGNAL

    assign model_out[6:0] = v275[6:0];
    assign model_out[15:7] = v250[8:0];
    assign model_out[25:16] = v113[9:0];
    assign model_out[33:26] = v276[7:0];
    assign model_out[41:34] = v256[7:0];
    assign model_out[51:42] = v128[9:0];
    assign model_out[60:52] = v181[8:0];
    assign model_out[69:61] = v187[8:0];
    assign model_out[77:70] = v225[7:0];
    assign model_out[97:78] = v64[19:0];
    assign model_out[118:98] = v254[20:0];
    assign model_out[126:119] = v231[7:0];
    assign model_out[135:127] = v202[8:0];
    assign model_out[144:136] = v208[8:0];
    assign model_out[151:145] = v277[6:0];
    assign model_out[159:152] = v270[7:0];
    assign model_out[168:160] = v214[8:0];
    assign model_out[188:169] = v161[19:0];
    assign model_out[209:189] = v268[20:0];
    assign model_out[219:210] = v174[9:0];
    assign model_out[226:220] = v278[6:0];
    assign model_out[236:227] = v194[9:0];
    assign model_out[245:237] = v233[8:0];
    assign model_out[254:246] = v238[8:0];
    assign model_out[262:255] = v273[7:0];
    assign model_out[271:263] = v246[8:0];
    assign model_out[279:272] = v279[7:0];
    assign model_out[298:280] = v107[18:0];
    assign model_out[308:299] = v217[9:0];
    assign model_out[317:309] = v261[8:0];
    assign model_out[326:318] = v264[8:0];
    assign model_out[335:327] = v267[8:0];
    assign model_out[343:336] = v280[7:0];
    assign model_out[353:344] = v252[9:0];
    assign model_out[359:354] = v222[5:0];
    assign model_out[366:360] = v257[6:0];
    assign model_out[372:367] = v253[5:0];
    assign model_out[383:373] = v281[10:0];
    assign model_out[389:384] = v274[5:0];
    assign model_out[400:390] = v282[10:0];
    assign model_out[411:401] = v283[10:0];
    assign model_out[422:412] = v284[10:0];
    assign model_out[433:423] = v285[10:0];
    assign model_out[444:434] = v286[10:0];
    assign model_out[455:445] = v287[10:0];
    assign model_out[461:456] = v258[5:0];
    assign model_out[472:462] = v288[10:0];
    assign model_out[478:473] = v247[5:0];

endmodule
