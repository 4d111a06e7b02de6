#ifndef IQKIT_CGSL_SHIM_H
#define IQKIT_CGSL_SHIM_H
/* GSL's CBLAS calls are resolved by OpenBLAS (linked in the module map) rather
   than libgslcblas, so that GSL and the CNN's BLAS never define the same
   symbols twice. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_statistics_float.h>
#include <gsl/gsl_sort_float.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#endif
