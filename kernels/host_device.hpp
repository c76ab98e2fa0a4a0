// TAILOR_HD marks functions compiled for both the host and the device (kernels/ranking_pass.hpp,
// kernels/rerank.hpp): __host__ __device__ under nvcc, nothing for the host compiler.
#pragma once

#ifdef __CUDACC__
#define TAILOR_HD __host__ __device__
#else
#define TAILOR_HD
#endif
