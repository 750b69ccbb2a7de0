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
