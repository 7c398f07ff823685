package expacti_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"time"

	expacti "github.com/expacti/expacti/sdk/go"
)

// The three lines: connect, ask, run what was approved. Run returns a Decision only for
// an approval; run decision.Command, which a reviewer may have edited.
func Example() {
	client, err := expacti.New(expacti.Options{URL: "ws://localhost:3001/shell/ws", Token: os.Getenv("EXPACTI_TOKEN")})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	decision, err := client.Run(context.Background(), "terraform apply", expacti.WithTarget("prod"))
	if err != nil {
		log.Fatal(err) // denied, timed out, or in doubt: the command must not run
	}
	out, err := exec.Command("sh", "-c", decision.Command).CombinedOutput()
	fmt.Printf("%s%v\n", out, err)
}

// Errors tell why a command must not run.
func ExampleClient_Run_errors() {
	client, err := expacti.New(expacti.Options{URL: "ws://localhost:3001/shell/ws", Token: os.Getenv("EXPACTI_TOKEN")})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err = client.Run(ctx, "kubectl drain node-1", expacti.WithTimeout(90*time.Second),
		expacti.WithContext(map[string]any{"ticket": "OPS-7"}))
	var denied *expacti.CommandDeniedError
	var timeout *expacti.TimeoutError
	var refused *expacti.AuthenticationError
	switch {
	case err == nil:
		fmt.Println("approved")
	case errors.As(err, &denied):
		fmt.Println("denied by", denied.Reviewer+":", denied.Notes)
	case errors.As(err, &timeout):
		fmt.Println("no decision in time; the server cancelled the command")
	case errors.As(err, &refused):
		fmt.Println("the token was refused")
	default:
		fmt.Println("expacti failed:", err)
	}
}
