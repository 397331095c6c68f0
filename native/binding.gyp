{
  "targets": [
    {
      "target_name": "nas_onednn",
      "sources": ["src/onednn_kernels.cc"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-ldnnl", "-lgomp"]
    }
  ]
}
