# Scripts (INLINE, SWITCH, DECISION, LAMBDA, DO_WHILE conditions) run on Duktape. Debian's
# libduktape is built without the interrupt hook that Conductor's 4 s script limit needs, so the
# amalgamated source that duktape-dev ships is compiled into the library, with the hook switched on
# in a copy of its configuration header. Consumers of the installed library need nothing extra.
#
# Defines the object library `conductor_duktape` and CONDUCTOR_DUKTAPE_DIR, the directory of the
# configured duktape.h that the library's sources include.

find_path(CONDUCTOR_DUKTAPE_SOURCE_DIR NAMES duktape.c duk_config.h
  PATHS /usr/share/duktape /usr/local/share/duktape DOC "Directory holding Duktape's duktape.c")
if(NOT CONDUCTOR_DUKTAPE_SOURCE_DIR)
  message(FATAL_ERROR "Duktape's amalgamated source was not found (Debian: apt-get install duktape-dev); "
                      "set CONDUCTOR_DUKTAPE_SOURCE_DIR to the directory holding duktape.c")
endif()

set(CONDUCTOR_DUKTAPE_DIR ${PROJECT_BINARY_DIR}/duktape)
file(READ ${CONDUCTOR_DUKTAPE_SOURCE_DIR}/duk_config.h duk_config)
foreach(option INTERRUPT_COUNTER EXEC_TIMEOUT_CHECK)
  string(FIND "${duk_config}" "#undef DUK_USE_${option}\n" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "${CONDUCTOR_DUKTAPE_SOURCE_DIR}/duk_config.h does not switch DUK_USE_${option} off")
  endif()
endforeach()
# The hook is defined in lib/script/javascript.cpp.
set(timeout_hook [=[
#if defined(__cplusplus)
extern "C"
#endif
int conductor_duktape_timeout_check(void *udata);
#define DUK_USE_EXEC_TIMEOUT_CHECK(udata) conductor_duktape_timeout_check((udata))
]=])
string(REPLACE "#undef DUK_USE_INTERRUPT_COUNTER\n" "#define DUK_USE_INTERRUPT_COUNTER\n" duk_config "${duk_config}")
string(REPLACE "#undef DUK_USE_EXEC_TIMEOUT_CHECK\n" "${timeout_hook}" duk_config "${duk_config}")
# Written through configure_file so that an unchanged header keeps its time stamp.
file(WRITE ${CONDUCTOR_DUKTAPE_DIR}/duk_config.h.in "${duk_config}")
configure_file(${CONDUCTOR_DUKTAPE_DIR}/duk_config.h.in ${CONDUCTOR_DUKTAPE_DIR}/duk_config.h COPYONLY)
configure_file(${CONDUCTOR_DUKTAPE_SOURCE_DIR}/duktape.c ${CONDUCTOR_DUKTAPE_DIR}/duktape.c COPYONLY)
configure_file(${CONDUCTOR_DUKTAPE_SOURCE_DIR}/duktape.h ${CONDUCTOR_DUKTAPE_DIR}/duktape.h COPYONLY)

add_library(conductor_duktape OBJECT ${CONDUCTOR_DUKTAPE_DIR}/duktape.c)
set_target_properties(conductor_duktape PROPERTIES POSITION_INDEPENDENT_CODE ON)
# Third-party code: its warnings are not ours to fix.
target_compile_options(conductor_duktape PRIVATE -w)
