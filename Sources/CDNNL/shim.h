// oneDNN's C API (Debian libdnnl-dev ships no .pc file, so this module map links "dnnl").
#include <oneapi/dnnl/dnnl.h>
