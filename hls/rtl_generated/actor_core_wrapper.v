`timescale 1 ns / 1 ps

module actor_core_wrapper (
   input clk,
    // verilator lint_off UNUSEDSIGNAL
    input [493:0] model_inp,
    // verilator lint_on UNUSEDSIGNAL
    output [215:0] model_out
);
    wire [417:0] packed_inp;
    wire [179:0] packed_out;

    assign packed_inp[10:0] = model_inp[10:0];
    assign packed_inp[21:11] = model_inp[23:13];
    assign packed_inp[32:22] = model_inp[36:26];
    assign packed_inp[43:33] = model_inp[49:39];
    assign packed_inp[54:44] = model_inp[62:52];
    assign packed_inp[65:55] = model_inp[75:65];
    assign packed_inp[76:66] = model_inp[88:78];
    assign packed_inp[87:77] = model_inp[101:91];
    assign packed_inp[98:88] = model_inp[114:104];
    assign packed_inp[109:99] = model_inp[127:117];
    assign packed_inp[120:110] = model_inp[140:130];
    assign packed_inp[131:121] = model_inp[153:143];
    assign packed_inp[142:132] = model_inp[166:156];
    assign packed_inp[153:143] = model_inp[179:169];
    assign packed_inp[164:154] = model_inp[192:182];
    assign packed_inp[175:165] = model_inp[205:195];
    assign packed_inp[186:176] = model_inp[218:208];
    assign packed_inp[197:187] = model_inp[231:221];
    assign packed_inp[208:198] = model_inp[244:234];
    assign packed_inp[219:209] = model_inp[257:247];
    assign packed_inp[230:220] = model_inp[270:260];
    assign packed_inp[241:231] = model_inp[283:273];
    assign packed_inp[250:242] = model_inp[295:287];
    assign packed_inp[259:251] = model_inp[308:300];
    assign packed_inp[268:260] = model_inp[321:313];
    assign packed_inp[277:269] = model_inp[334:326];
    assign packed_inp[286:278] = model_inp[347:339];
    assign packed_inp[295:287] = model_inp[360:352];
    assign packed_inp[304:296] = model_inp[373:365];
    assign packed_inp[313:305] = model_inp[386:378];
    assign packed_inp[417:314] = model_inp[493:390];

    actor_core op (
        .clk(clk),
        .model_inp(packed_inp),
        .model_out(packed_out)
    );

    assign model_out[9:0] = packed_out[9:0];
    assign model_out[11:10] = {2{packed_out[9]}};
    assign model_out[21:12] = packed_out[19:10];
    assign model_out[23:22] = {2{packed_out[19]}};
    assign model_out[24:24] = 1'b0;
    assign model_out[32:25] = packed_out[27:20];
    assign model_out[44:37] = packed_out[35:28];
    assign model_out[35:33] = {3{packed_out[27]}};
    assign model_out[36:36] = 1'b0;
    assign model_out[56:49] = packed_out[43:36];
    assign model_out[47:45] = {3{packed_out[35]}};
    assign model_out[48:48] = 1'b0;
    assign model_out[68:61] = packed_out[51:44];
    assign model_out[80:73] = packed_out[59:52];
    assign model_out[59:57] = {3{packed_out[43]}};
    assign model_out[60:60] = 1'b0;
    assign model_out[92:85] = packed_out[67:60];
    assign model_out[71:69] = {3{packed_out[51]}};
    assign model_out[72:72] = 1'b0;
    assign model_out[104:97] = packed_out[75:68];
    assign model_out[116:109] = packed_out[83:76];
    assign model_out[83:81] = {3{packed_out[59]}};
    assign model_out[84:84] = 1'b0;
    assign model_out[95:93] = {3{packed_out[67]}};
    assign model_out[96:96] = 1'b0;
    assign model_out[107:105] = {3{packed_out[75]}};
    assign model_out[108:108] = 1'b0;
    assign model_out[119:117] = {3{packed_out[83]}};
    assign model_out[215:120] = packed_out[179:84];

endmodule
