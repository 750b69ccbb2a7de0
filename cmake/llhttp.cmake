# llhttp from Debian's node-llhttp: C sources under /usr/share/llhttp, header under
# /usr/share/include/llhttp. Compiled here as a static library (as C), never copied into the repo.
find_path(LLHTTP_INCLUDE_DIR llhttp.h PATHS /usr/share/include/llhttp /usr/include NO_CMAKE_FIND_ROOT_PATH REQUIRED)
find_path(LLHTTP_SOURCE_DIR llhttp.c PATHS /usr/share/llhttp NO_CMAKE_FIND_ROOT_PATH REQUIRED)
add_library(corio_llhttp STATIC ${LLHTTP_SOURCE_DIR}/llhttp.c ${LLHTTP_SOURCE_DIR}/api.c ${LLHTTP_SOURCE_DIR}/http.c)
target_include_directories(corio_llhttp SYSTEM PUBLIC $<BUILD_INTERFACE:${LLHTTP_INCLUDE_DIR}>)
set_target_properties(corio_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden
                                              EXPORT_NAME llhttp)
# llhttp.c holds two parsers; the strict one refuses what RFC 9112 refuses (junk after chunk data,
# a CR not followed by LF, ...) where the default one lets it through (request smuggling).
target_compile_definitions(corio_llhttp PUBLIC LLHTTP_STRICT_MODE=1)

# llhttp.c scans URLs and header values 16 bytes at a time with SSE4.2 (_mm_cmpestri) when the
# compiler targets it (__SSE4_2__); without it, a byte at a time. On x86-64 corio builds llhttp
# alone with -msse4.2: x86-64-v2 is corio's x86-64 baseline (every x86-64 server CPU since 2008-2011
# has SSE4.2: Intel Nehalem, AMD Bulldozer; Graviton-class ARM64 is unaffected). It cuts about 520
# instructions from a plaintext request (bench/micro/callgrind.sh, bench/RESULTS.md). The rest of
# corio keeps the compiler's default target. A build for an older x86-64 CPU turns it off:
# -DCORIO_LLHTTP_SSE42=OFF. There is no run-time check: such a CPU would stop at the first request
# with SIGILL.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    option(CORIO_LLHTTP_SSE42 "Build llhttp with SSE4.2 (x86-64-v2)" ON)
    if(CORIO_LLHTTP_SSE42)
        target_compile_options(corio_llhttp PRIVATE -msse4.2)
    endif()
endif()
