/* main() of the hand-written model, as tessera-compile's stub writes it. */
int add_main(int argc, char **argv);

int main(int argc, char **argv) { return add_main(argc, argv); }
