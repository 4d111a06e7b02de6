#ifndef IQKIT_CFFTW_SHIM_H
#define IQKIT_CFFTW_SHIM_H
#include <fftw3.h>
#endif
