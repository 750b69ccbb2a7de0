# The PostgreSQL of the database tests: ctest starts a throwaway cluster (toolchains/pgtest.sh) in
# ${CMAKE_BINARY_DIR}/pgtest once, before the first test that needs it (fixture "postgres"), and
# stops and deletes it after the last one, whether they passed or not. Tests reach it through
# tests/pg_cluster.hpp (library corio_pg_cluster), which reads $CORIO_PGTEST_DIR/url.
# Cross builds register no fixture: their tests run in the arm64 VM, which has no PostgreSQL, and
# corio_pg_cluster makes them skip (exit 77) saying so.
set(CORIO_PGTEST_SCRIPT ${PROJECT_SOURCE_DIR}/toolchains/pgtest.sh)
set(CORIO_PGTEST_DIR ${CMAKE_BINARY_DIR}/pgtest)

if(NOT TARGET PkgConfig::libpq)
    if(CMAKE_CROSSCOMPILING)
        pkg_check_modules(libpq IMPORTED_TARGET libpq)
    else()
        pkg_check_modules(libpq REQUIRED IMPORTED_TARGET libpq)
    endif()
endif()
if(NOT TARGET PkgConfig::libpq)
    message(WARNING "corio: no libpq for ${CMAKE_SYSTEM_PROCESSOR}: the database tests are not built "
                    "(toolchains/deps.sh --arm64 unpacks libpq-dev for the aarch64 build)")
endif()

if(NOT CMAKE_CROSSCOMPILING)
    add_test(NAME pg_cluster_start COMMAND bash ${CORIO_PGTEST_SCRIPT} start ${CORIO_PGTEST_DIR})
    add_test(NAME pg_cluster_stop COMMAND bash ${CORIO_PGTEST_SCRIPT} stop ${CORIO_PGTEST_DIR})
    set_tests_properties(pg_cluster_start PROPERTIES FIXTURES_SETUP postgres TIMEOUT 180)
    set_tests_properties(pg_cluster_stop PROPERTIES FIXTURES_CLEANUP postgres TIMEOUT 120)
endif()

add_library(corio_pg_cluster STATIC ${CMAKE_CURRENT_LIST_DIR}/pg_cluster.cpp)
target_compile_features(corio_pg_cluster PUBLIC cxx_std_20)
target_include_directories(corio_pg_cluster PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(corio_pg_cluster PUBLIC GTest::gtest)
target_compile_definitions(corio_pg_cluster PRIVATE CORIO_PGTEST_SCRIPT="${CORIO_PGTEST_SCRIPT}"
                                                    $<$<BOOL:${CMAKE_CROSSCOMPILING}>:CORIO_PGTEST_NO_SERVER>)
corio_warnings(corio_pg_cluster)

# corio_pg_tests([PAUSES] NAME...): the tests NAME need the database: they require the fixture and see
# CORIO_PGTEST_DIR. A NAME is a test added with add_test or a corio_test target, whose GoogleTest
# cases gtest_discover_tests adds only when ctest runs (call this after corio_test, in the same
# directory). PAUSES: they stop the shared cluster (pause_database()), so they run alone (RUN_SERIAL)
# rather than break the database tests that ctest -j runs beside them. LOCK name: they write rows that
# they read back (as the same cases on the other backend do), so no two of them run at once.
# Does nothing in cross builds.
function(corio_pg_tests)
    cmake_parse_arguments(PARSE_ARGV 0 arg "PAUSES" "LOCK" "")
    if(CMAKE_CROSSCOMPILING)
        return()
    endif()
    set(properties FIXTURES_REQUIRED postgres ENVIRONMENT_MODIFICATION "CORIO_PGTEST_DIR=set:${CORIO_PGTEST_DIR}")
    if(arg_PAUSES)
        list(APPEND properties RUN_SERIAL TRUE)
    endif()
    if(arg_LOCK)
        list(APPEND properties RESOURCE_LOCK ${arg_LOCK})
    endif()
    foreach(name ${arg_UNPARSED_ARGUMENTS})
        if(TEST ${name})
            set_tests_properties(${name} PROPERTIES ${properties})
        elseif(TARGET ${name})
            # The cases of a corio_test target exist only in the file that gtest_discover_tests'
            # include script loads when ctest runs, which leaves their names in ${name}_TESTS; a
            # script included after it (TEST_INCLUDE_FILES keeps the order) sets the properties there.
            set(args "")
            foreach(property ${properties})
                string(APPEND args " [==[${property}]==]")
            endforeach()
            set(script ${CMAKE_CURRENT_BINARY_DIR}/${name}_pg_tests.cmake)
            # Both lists: the io_uring cases and, where CORIO_TEST_EPOLL runs them again, the epoll ones.
            file(WRITE ${script} "foreach(list ${name}_TESTS ${name}_EPOLL_TESTS)\n"
                                 "    if(\${list})\n"
                                 "        set_tests_properties(\${\${list}} PROPERTIES${args})\n"
                                 "    endif()\n"
                                 "endforeach()\n")
            set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${script})
        else()
            message(FATAL_ERROR "corio_pg_tests: ${name} is neither a test nor a corio_test target")
        endif()
    endforeach()
endfunction()
