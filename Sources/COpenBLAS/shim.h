#ifndef SRD_COPENBLAS_SHIM_H
#define SRD_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
