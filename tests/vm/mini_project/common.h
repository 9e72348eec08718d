const char* greet(void);
int sum(int n);
