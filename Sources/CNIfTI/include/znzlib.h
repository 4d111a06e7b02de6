/* Forwarding header: Debian installs znzlib.h under /usr/include/nifti, while
   nifti2_io.h includes it as <znzlib.h>. HAVE_ZLIB must match the build of
   libznz (Debian builds it with zlib) so that znzptr has the same layout. */
#ifndef HAVE_ZLIB
#define HAVE_ZLIB 1
#endif
#include <nifti/znzlib.h>
