# tessera_add_model(TARGET MODEL [NAME name] [OPTIONS flag...])
#
# Compiles MODEL (.onnx or .mlir, relative to the current source directory)
# with tessera-compile during the build, into a static library TARGET that
# holds the model's object (--emit=obj) and links the Tessera runtime. Its
# header NAME.h (NAME: the symbol prefix, default TARGET as a C identifier)
# is on TARGET's include path and declares NAME_run, NAME_model_info, ...
# OPTIONS go to tessera-compile as they are (e.g. -O3, --quantize=w8,
# --weights=external); the model is recompiled when MODEL or the compiler
# changes. Several models link into one program: each has its own NAME.
function(tessera_add_model target model)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "" "NAME" "OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "tessera_add_model(${target}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_NAME)
    string(MAKE_C_IDENTIFIER "${target}" ARG_NAME)
  endif()
  get_filename_component(model "${model}" ABSOLUTE
    BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/tessera_models/${target}")
  set(object "${dir}/${ARG_NAME}.o")
  set(header "${dir}/${ARG_NAME}.h")
  file(MAKE_DIRECTORY "${dir}")
  add_custom_command(
    OUTPUT "${object}" "${header}"
    COMMAND "$<TARGET_FILE:Tessera::tessera-compile>" "${model}" --emit=obj
            "--name=${ARG_NAME}" -o "${object}" ${ARG_OPTIONS}
    DEPENDS "${model}" "$<TARGET_FILE:Tessera::tessera-compile>"
    COMMENT "Compiling ${model} with Tessera (${ARG_NAME})"
    VERBATIM)
  set_source_files_properties("${object}" PROPERTIES
    EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${target} STATIC "${object}" "${header}")
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${target} PUBLIC "${dir}")
  target_link_libraries(${target} PUBLIC Tessera::tessera_runtime)
endfunction()
