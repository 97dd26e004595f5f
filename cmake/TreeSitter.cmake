# The tree-sitter C runtime and the Python grammar, compiled from the pinned npm packages
# (scripts/setup.sh installs them into node_modules/). Nothing of theirs is committed here.
set(DOTWISE_NODE_MODULES "${PROJECT_SOURCE_DIR}/node_modules" CACHE PATH "npm packages installed by scripts/setup.sh")
set(_ts_runtime "${DOTWISE_NODE_MODULES}/tree-sitter/vendor/tree-sitter/lib")
set(_ts_python "${DOTWISE_NODE_MODULES}/tree-sitter-python/src")
if(NOT EXISTS "${_ts_runtime}/src/lib.c" OR NOT EXISTS "${_ts_python}/parser.c")
  message(FATAL_ERROR "tree-sitter sources not found under ${DOTWISE_NODE_MODULES}: run scripts/setup.sh first")
endif()

add_library(tree_sitter STATIC "${_ts_runtime}/src/lib.c" "${_ts_python}/parser.c" "${_ts_python}/scanner.c")
target_include_directories(tree_sitter SYSTEM PUBLIC "${_ts_runtime}/include" PRIVATE "${_ts_runtime}/src" "${_ts_python}")
set_target_properties(tree_sitter PROPERTIES C_STANDARD 11)
target_compile_definitions(tree_sitter PRIVATE _POSIX_C_SOURCE=200112L _DEFAULT_SOURCE)
target_compile_options(tree_sitter PRIVATE -w -O2)

# Where typeshed lives at run time: the default for --typeshed (overridable by DOTWISE_TYPESHED).
set(DOTWISE_TYPESHED_DIR "${DOTWISE_NODE_MODULES}/pyright/dist/typeshed-fallback")

# In the fuzz build the generated lexer (one huge switch over characters) under libFuzzer's comparison
# hooks took ~45% of the extractor target's time (perf); its edge coverage is kept.
if(DOTWISE_FUZZ)
  target_compile_options(tree_sitter PRIVATE -fno-sanitize-coverage=trace-cmp)
endif()
